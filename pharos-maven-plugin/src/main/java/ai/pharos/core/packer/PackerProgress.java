package ai.pharos.core.packer;

import ai.pharos.core.Console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Packer's machine-readable stream into readable progress in the build log, and remembers what a failure
 * message needs: the step that failed (the {@code ==> build: ...} step that was running when Packer printed the error
 * its final "Build '...' errored" line repeats — not the cleanup steps that follow it), the errors Packer reported,
 * the artifacts it produced, and the last lines of output.
 */
public final class PackerProgress implements Consumer<String> {
    private static final Pattern STEP = Pattern.compile("^==> ([^:]+): (.*)$");
    private static final Pattern PROVISIONER = Pattern.compile("^Provisioning with (.*?)\\.*$");
    private static final Pattern BUILD_ERRORED = Pattern.compile("^Build '[^']*' errored(?: after [^:]*)?: (.*)$");

    private final String image;
    private final Console console;
    private String currentStep = "starting";
    private String currentProvisioner;
    /** Error text printed during a step -> that step (first occurrence wins). */
    private final java.util.Map<String, String> stepOfError = new java.util.HashMap<>();
    private String failedStep;
    private final List<String> errors = new ArrayList<>();
    private final List<String> artifactFiles = new ArrayList<>();
    private final Deque<String> tail = new ArrayDeque<>();

    public PackerProgress(String image, Console console) {
        this.image = image;
        this.console = console;
    }

    @Override
    public void accept(String line) {
        var parsed = MachineReadable.parse(line);
        if (parsed.isEmpty()) {
            if (!line.isBlank()) {
                remember(line);
                console.info("[" + image + "] " + line);
            }
            return;
        }
        MachineReadable.Event e = parsed.get();
        switch (e.type()) {
            case "ui" -> ui(e);
            case "artifact" -> {
                if ("files".equals(e.data(1)) || "file".equals(e.data(1))) {
                    // artifact,<index>,file,<n>,<path>
                    if ("file".equals(e.data(1)) && e.data().size() > 3) {
                        artifactFiles.add(e.data(3));
                    }
                }
            }
            case "error" -> {
                errors.add(e.data(0));
                remember(e.data(0));
            }
            default -> console.debug("[" + image + "] " + line);
        }
    }

    private void ui(MachineReadable.Event e) {
        String kind = e.data(0);
        String text = e.data(1);
        for (String l : text.split("\n")) {
            String s = l.stripTrailing();
            if (s.isEmpty()) {
                continue;
            }
            remember(s);
            if ("error".equals(kind)) {
                Matcher guestErr = STEP.matcher(s);
                if (guestErr.matches()) {
                    // a step's error or a provisioner's stderr: "==> qemu.<image>: text"
                    stepOfError.putIfAbsent(guestErr.group(2).strip(), currentStep);
                    console.info("[" + image + "]   " + guestErr.group(2));
                } else {
                    Matcher errored = BUILD_ERRORED.matcher(s);
                    if (errored.matches() && failedStep == null) {
                        failedStep = stepOfError.get(errored.group(1).strip());
                    }
                    errors.add(s);
                    console.warn("[" + image + "] " + s);
                }
                continue;
            }
            Matcher m = STEP.matcher(s);
            if (m.matches()) {
                if (m.group(2).startsWith("Provisioning step had errors") && failedStep == null
                        && currentProvisioner != null) {
                    // Packer does not print a provisioner's error before its cleanup: the provisioner failed
                    failedStep = "Provisioning with " + currentProvisioner;
                }
                currentStep = m.group(2);
                Matcher p = PROVISIONER.matcher(m.group(2));
                if (p.matches()) {
                    currentProvisioner = p.group(1);
                }
                console.info("[" + image + "] " + m.group(2));
            } else {
                // "    qemu: <guest output>"
                String guest = s.strip();
                // "qemu.<image>: text" (the build name as Packer prints it)
                guest = guest.replaceFirst("^\\S*" + Pattern.quote(image) + ": ", "");
                console.info("[" + image + "]   " + guest);
            }
        }
    }

    private synchronized void remember(String s) {
        tail.addLast(s);
        while (tail.size() > 25) {
            tail.removeFirst();
        }
    }

    /** The build failed while waiting for SSH: the guest never answered (as opposed to a provisioner failing). */
    public boolean sshNeverAnswered() {
        return failedStep != null && failedStep.startsWith("Waiting for SSH");
    }

    /**
     * Where the build failed, for a message: {@code provisioner 'shell script: …'} or {@code step 'Waiting for SSH…'}.
     * The step is the one during which Packer printed the error its "Build … errored" line repeats; without such a
     * line (Packer killed, unknown format), the last provisioner or step announced.
     */
    public String failedAt() {
        if (failedStep != null) {
            Matcher p = PROVISIONER.matcher(failedStep);
            return p.matches() ? "provisioner '" + p.group(1) + "'" : "step '" + failedStep + "'";
        }
        return currentProvisioner != null ? "provisioner '" + currentProvisioner + "'" : "step '" + currentStep + "'";
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }

    public List<String> artifactFiles() {
        return List.copyOf(artifactFiles);
    }

    public synchronized List<String> tail(int n) {
        List<String> all = new ArrayList<>(tail);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }
}
