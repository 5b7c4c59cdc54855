package io.sparkcnn.cli;

import io.sparkcnn.data.FashionMnistImporter;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** Imports public datasets into a folder lake. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a dataset into a folder lake <out>/{train,test}/<class>/<n>.png.",
        subcommands = {ImportCommand.FashionMnist.class})
final class ImportCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "name a dataset: fashion-mnist");
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Convert the official Fashion-MNIST IDX files (Debian package dataset-fashion-mnist) "
                    + "into PNGs, losslessly and idempotently, on any Hadoop FileSystem.")
    static final class FashionMnist implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "URI", description = "Lake root to write.")
        String out;

        @Option(names = "--source", paramLabel = "DIR", defaultValue = FashionMnistImporter.DEBIAN_SOURCE,
                description = "Folder with the four IDX files, gzipped or not (default: ${DEFAULT-VALUE}).")
        String source;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
                description = "Import only the first N images of each split (0: all).")
        int limit;

        @Override
        public Integer call() throws Exception {
            var results = new FashionMnistImporter(new Configuration()).importAll(source, out, limit);
            for (var r : results) {
                System.out.printf("%-5s %6d images: %6d written, %6d already there%s%n", r.split(), r.images(),
                        r.written(), r.alreadyPresent(), r.skippedWhole() ? " (complete, skipped)" : "");
            }
            return 0;
        }
    }
}
