package ai.pharos.core.sif;

/**
 * Runs a progress report every {@code interval} ms on a daemon thread until closed: for phases that block (an engine
 * preparing a save, mksquashfs compressing what it has read), where no callback would fire.
 */
final class Ticker implements AutoCloseable {
    private final Thread thread;

    private Ticker(Thread thread) {
        this.thread = thread;
    }

    /** Start reporting: the first report comes after one interval. */
    static Ticker every(long intervalMs, String name, Runnable report) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(intervalMs);
                    report.run();
                }
            } catch (InterruptedException stop) {
                // closed
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return new Ticker(t);
    }

    /** Stop; returns once no report is running, so nothing is logged after the caller's closing line. */
    @Override
    public void close() {
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
