package io.sparkcnn.spark.lake;

import io.sparkcnn.config.CacheStorage;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.SerializableHadoopConf;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which images each worker's partition holds, and in which order, depends on the lake alone. */
@ExtendWith(LocalSpark.class)
class TrainingDataTest {
    @TempDir
    Path tmp;

    private List<DecodedPartition> decode(SparkSession spark, List<LakeFile> files, int inputPartitions) {
        JavaRDD<LakeFile> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(files, inputPartitions);
        JavaRDD<DecodedPartition> decoded = TrainingData.decode(rdd, Split.TRAIN, LabelIndex.of(List.of("a", "b", "c")),
                new ImageConfig(28, 28, 1, ResizePolicy.ERROR, NormalisationKind.UNIT), 3, CacheStorage.MEMORY,
                SerializableHadoopConf.broadcast(spark));
        List<DecodedPartition> parts = new ArrayList<>(decoded.collect());
        decoded.unpersist();
        parts.sort(Comparator.comparingInt(DecodedPartition::index));
        return parts;
    }

    @Test
    void partitionsDependOnThePathsNotOnTheOrderTheListingArrivesIn(SparkSession spark) {
        List<LakeFile> files = new ArrayList<>();
        String[] labels = {"a", "b", "c"};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 11; i++) {
                Path png = Images.writePng(tmp.resolve(labels[c] + "/" + i + ".png"), c * 40 + i);
                files.add(new LakeFile(png.toUri().toString(), labels[c] + "/" + i + ".png", labels[c], Split.TRAIN,
                        png.toFile().length(), 0, null));
            }
        }
        List<LakeFile> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, new Random(3));

        List<DecodedPartition> first = decode(spark, files, 1);
        List<DecodedPartition> second = decode(spark, shuffled, 4);
        assertEquals(3, first.size());
        for (int p = 0; p < 3; p++) {
            DecodedPartition a = first.get(p);
            DecodedPartition b = second.get(p);
            assertEquals(11, a.count(), "33 files dealt to 3 partitions");
            assertArrayEquals(a.labels(), b.labels(), "partition " + p);
            for (int i = 0; i < a.count(); i++) {
                assertArrayEquals(a.image(i, Normalisation.unit()), b.image(i, Normalisation.unit()), 0f);
            }
            long distinct = Arrays.stream(a.labels()).distinct().count();
            assertTrue(distinct == 3, "every partition holds every class: " + Arrays.toString(a.labels()));
        }
    }
}
