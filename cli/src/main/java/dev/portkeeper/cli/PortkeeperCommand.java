package dev.portkeeper.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code portkeeper} command: the entry point of the executable jar. */
@Command(name = "portkeeper", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Keeps client TCP connections long-lived and reused, and shows what short connections cost.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class PortkeeperCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new PortkeeperCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
