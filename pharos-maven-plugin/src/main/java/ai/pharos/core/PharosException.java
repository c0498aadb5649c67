package ai.pharos.core;

/**
 * A failure the user can act on. The core states what went wrong ({@link #getMessage()}), which option the
 * user can change ({@link #option()}, the {@code pharos.*} property name, or {@code null} when no single option is
 * at fault) and the fix ({@link #fix()}). The Maven side turns this into one line naming the Mojo parameter, its
 * {@code -Dpharos.*} property and the fix: see {@code ai.pharos.maven.Failures}.
 */
public class PharosException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String option;
    private final String fix;

    public PharosException(String message, String option, String fix) {
        this(message, option, fix, null);
    }

    public PharosException(String message, String option, String fix, Throwable cause) {
        super(message, cause);
        this.option = option;
        this.fix = fix;
    }

    /** The {@code pharos.*} property of the option at fault, or {@code null}. */
    public String option() {
        return option;
    }

    /** What the user should do, as an imperative sentence; may be {@code null}. */
    public String fix() {
        return fix;
    }
}
