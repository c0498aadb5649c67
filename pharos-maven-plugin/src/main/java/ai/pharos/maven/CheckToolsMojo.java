package ai.pharos.maven;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;
import ai.pharos.core.docker.DevContainer;
import ai.pharos.core.docker.Engine;
import ai.pharos.core.docker.ToolCheck;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.util.ArrayList;
import java.util.List;

/**
 * Version compatibility checks: the engine's API version, and inside the dev container cmake, ninja, packer, qemu,
 * mksquashfs, siftool and debootstrap, each against a minimum. Prints a table and fails naming every tool that falls
 * short.
 */
@Mojo(name = "check-tools", defaultPhase = LifecyclePhase.VERIFY, aggregator = false, threadSafe = true)
public class CheckToolsMojo extends AbstractDevContainerMojo {

    /** Minimum Docker engine API version. */
    @Parameter(property = "pharos.checkTools.engineApi", defaultValue = ToolCheck.ENGINE_API_MINIMUM)
    private String engineApiMinimum;

    /** Skip this goal. */
    @Parameter(property = "pharos.checkTools.skip", defaultValue = "false")
    private boolean skipGoal;

    @Override
    protected boolean isGoalSkipped() {
        return skipGoal;
    }

    @Override
    protected String goalSkipProperty() {
        return "pharos.checkTools.skip";
    }

    @Override
    protected void run(Console console) throws PharosException {
        try (Engine engine = connect(console)) {
            DevContainer dev = devContainer(engine, console);
            DevContainer.Options options = devOptions(engine);
            List<ToolCheck.Row> rows = new ArrayList<>();
            rows.add(ToolCheck.engineRow(engine.version().apiVersion(), engineApiMinimum));
            rows.addAll(ToolCheck.check(ToolCheck.defaultTools(), argv -> {
                StringBuilder text = new StringBuilder();
                int code = dev.exec(options, argv, l -> text.append(l).append('\n'), l -> text.append(l).append('\n'));
                return new ToolCheck.Output(code, text.toString());
            }));
            console.info("Tool versions in " + options.image() + " (engine " + engine.endpoint().host() + "):");
            ToolCheck.table(rows).forEach(console::info);
            ToolCheck.requireAll(rows, options.image());
        }
    }
}
