package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.data.BadFileGate;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.LakeInspector;
import io.sparkcnn.spark.LakeLister;
import io.sparkcnn.spark.LakeListing;
import io.sparkcnn.spark.SparkSessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
        try (SparkSession spark = SparkSessions.create(config.spark())) {
            Result result = inspect(spark, config);
            print(config, result, System.out);
            return 0;
        }
    }

    /** What inspect found, with the locations of its reports. */
    record Result(LakeSummary summary, LabelIndex labels, String summaryReport, String badFilesReport) {
    }

    static Result inspect(SparkSession spark, JobConfig config) throws IOException {
        LakeListing listing = LakeLister.list(spark, config.data(), config.seed());
        try {
            LakeSummary summary = LakeInspector.inspect(spark, listing, config.data().image());
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            TreeSet<String> trainLabels = new TreeSet<>(summary.images(Split.TRAIN).keySet());
            LabelIndex labels = trainLabels.isEmpty() ? null : LabelIndex.of(trainLabels);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("train", config.data().train());
            extra.put("heldOut", config.data().heldOut());
            String summaryReport = LakeReports.writeSummary(summary, labels, extra, config.outputDir(), hadoop);
            String badReport = summary.badCount() > 0
                    ? LakeReports.writeBadFiles(summary, config.outputDir(), hadoop) : null;
            BadFileGate.check(summary, config.data().badFiles(), badReport);
            if (labels == null) {
                throw new DataException("data.train: no usable training image in " + config.data().train());
            }
            List<String> unknown = new ArrayList<>(summary.images(Split.HELD_OUT).keySet().stream()
                    .filter(l -> summary.images(Split.HELD_OUT).get(l) > 0 && !labels.contains(l)).toList());
            if (!unknown.isEmpty()) {
                throw new DataException("the held-out lake has classes that the training lake lacks: " + unknown
                        + "; a model trained on " + labels.labels() + " cannot be evaluated on them");
            }
            return new Result(summary, labels, summaryReport, badReport);
        } finally {
            listing.files().unpersist(false);
        }
    }

    static void print(JobConfig config, Result r, PrintStream out) {
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
        out.println("Images seen (format, width x height, channels, bits per sample):");
        s.kinds().forEach((kind, n) -> out.printf("  %-28s %10d%n", kind, n));
        out.println("Bad files: " + s.badCount() + (r.badFilesReport() == null ? "" : " (listed in " + r.badFilesReport() + ")"));
        out.println("Train pixels: " + s.standardisation());
        out.println("Report:   " + r.summaryReport());
    }
}
