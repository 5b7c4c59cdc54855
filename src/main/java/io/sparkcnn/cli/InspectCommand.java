package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.job.Jobs;
import io.sparkcnn.spark.job.InspectJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Lists and decodes a lake on Spark and prints what is in it: classes, images per class and split, the
 * image kinds seen, bad files. Writes {@code inspect.json} and {@code bad-files.tsv} to output.dir, then
 * applies the bad-file policy, so the report exists even when the policy stops the job.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List and decode a lake: classes, counts per class, image kinds, bad files.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--lake", paramLabel = "URI", description = "Shortcut for --set data.train=URI.")
    String lake;

    @Override
    public Integer call() throws IOException {
        JobConfig config = job.load(lake == null ? List.of() : List.of("data.train=" + lake));
        config.data().requireTrain();
        print(config, Jobs.inspect(config), System.out);
        return 0;
    }

    static void print(JobConfig config, InspectJob.Result r, PrintStream out) {
        LakeSummary s = r.summary();
        out.println("Lake:     " + config.data().train()
                + (config.data().heldOut().isBlank()
                ? "  (held out: " + config.data().heldOutFraction() + " of it, seed " + config.seed() + ")"
                : "\nHeld out: " + config.data().heldOut()));
        out.println("Classes:  " + r.labels().size());
        int width = Math.max(5, r.labels().labels().stream().mapToInt(String::length).max().orElse(5));
        String row = "  %-" + width + "s %10s %10s%n";
        out.printf(row, "class", "train", "held-out");
        for (String label : r.labels().labels()) {
            out.printf(row, label, s.images(Split.TRAIN).getOrDefault(label, 0L),
                    s.images(Split.HELD_OUT).getOrDefault(label, 0L));
        }
        out.printf(row, "total", s.imageCount(Split.TRAIN), s.imageCount(Split.HELD_OUT));
        if (s.kindsListSizes()) {
            out.println("Images seen (format, width x height, channels, bits per sample):");
            s.kinds().forEach((kind, n) -> out.printf("  %-28s %10d%n", kind, n));
        } else {
            out.println("Images seen (format, channels, bits per sample):");
            s.kinds().forEach((kind, n) -> out.printf("  %-28s %10d%n", kind, n));
            out.println("Image sizes: " + s.sizes().range() + "; by the longer side:");
            s.sizes().histogram().forEach((range, n) -> out.printf("  %-28s %10d%n", range, n));
        }
        out.println("Bad files: " + s.badCount() + (s.badCount() == 0 ? "" : " (listed in " + r.badFilesReport() + ")"));
        out.println("Train pixels: " + s.standardisation());
        out.println("Report:   " + r.summaryReport());
    }
}
