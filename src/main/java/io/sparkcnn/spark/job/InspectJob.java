package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.data.BadFileGate;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.lake.LakeInspector;
import io.sparkcnn.spark.lake.LakeLister;
import io.sparkcnn.spark.lake.LakeListing;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The inspect job: list the lakes, decode every file, write {@code inspect.json} and (when there are
 * any) {@code bad-files.tsv} to output.dir, then apply the bad-file policy and check that every held-out
 * class is a training class. Reports are written first, so they exist even when the policy stops the job.
 */
public final class InspectJob {
    private InspectJob() {
    }

    /** What inspect found, with the locations of its reports. */
    public record Result(LakeSummary summary, LabelIndex labels, String summaryReport, String badFilesReport) {
    }

    public static Result run(SparkSession spark, JobConfig config) throws IOException {
        LakeListing listing = LakeLister.list(spark, config.data(), config.seed());
        try {
            LakeSummary summary = LakeInspector.inspect(spark, listing, config.data().image());
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            // Classes with at least one usable training image; an empty label folder is a bad entry instead.
            TreeSet<String> trainLabels = new TreeSet<>();
            summary.images(Split.TRAIN).forEach((label, n) -> {
                if (n > 0) {
                    trainLabels.add(label);
                }
            });
            LabelIndex labels = trainLabels.isEmpty() ? null : LabelIndex.of(trainLabels);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("train", config.data().train());
            extra.put("heldOut", config.data().heldOut());
            String summaryReport = LakeReports.writeSummary(summary, labels, extra, config.outputDir(), hadoop);
            // Always written, so a stale list from an earlier run is never mistaken for this one's.
            String badReport = LakeReports.writeBadFiles(summary, config.outputDir(), hadoop);
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
}
