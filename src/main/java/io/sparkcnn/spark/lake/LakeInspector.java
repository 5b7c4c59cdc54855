package io.sparkcnn.spark.lake;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeFileDecoder;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.List;

/**
 * Reads and decodes every listed file on the executors, exactly as training will, and aggregates what it
 * saw into a {@link LakeSummary}: the only reliable way to know a lake's bad files is to decode it.
 */
public final class LakeInspector {
    private static final Logger LOG = LoggerFactory.getLogger(LakeInspector.class);

    private LakeInspector() {
    }

    public static LakeSummary inspect(SparkSession spark, LakeListing listing, ImageConfig image) {
        long start = System.nanoTime();
        Broadcast<SerializableHadoopConf> hadoop = SerializableHadoopConf.broadcast(spark);
        LakeSummary summary = listing.files()
                .mapPartitions(new DecodePartition(hadoop, image))
                .treeAggregate(new LakeSummary(image.channels()), LakeSummary::merge, LakeSummary::merge);
        listing.labelFolders().forEach((split, labels) -> labels.forEach(l -> summary.addLabel(split, l)));
        listing.emptyLabelFolders().forEach(summary::addBad);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("Decoded {} files in {} s ({} images/s): {} train, {} held out, {} bad", summary.seenCount(),
                String.format("%.1f", seconds), String.format("%.0f", summary.seenCount() / seconds),
                summary.imageCount(Split.TRAIN), summary.imageCount(Split.HELD_OUT), summary.badCount());
        return summary;
    }

    private record DecodePartition(Broadcast<SerializableHadoopConf> hadoop, ImageConfig image)
            implements FlatMapFunction<Iterator<LakeFile>, LakeSummary> {
        @Override
        public Iterator<LakeSummary> call(Iterator<LakeFile> files) {
            LakeFileDecoder decoder = new LakeFileDecoder(hadoop.value().get(), image);
            while (files.hasNext()) {
                decoder.decode(files.next());
            }
            return List.of(decoder.summary()).iterator();
        }
    }
}
