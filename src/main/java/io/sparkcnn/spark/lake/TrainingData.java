package io.sparkcnn.spark.lake;

import io.sparkcnn.config.CacheStorage;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeFileDecoder;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.SerializableHadoopConf;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.Iterator;
import java.util.List;

/**
 * Decodes one split of a listing into {@link DecodedPartition}s, one per worker, and keeps them in Spark's
 * cache at the configured storage level (memory first and local disk beyond Spark's storage memory, or disk
 * only): the lake is read and decoded once per job, not once per round, and no decoded copy is written
 * anywhere else. Spark schedules later rounds
 * where the cached blocks are, which keeps each worker's data and replica on one executor.
 */
public final class TrainingData {
    private TrainingData() {
    }

    public static JavaRDD<DecodedPartition> decode(JavaRDD<LakeFile> files, Split split, LabelIndex labels,
                                                   ImageConfig image, int partitions, CacheStorage storage,
                                                   Broadcast<SerializableHadoopConf> hadoop) {
        return deal(files.filter(f -> f.split() == split), LakeFile::uri, partitions)
                .mapPartitionsWithIndex(new Decode(labels, image, storage == CacheStorage.ENCODED, hadoop), true)
                .persist(level(storage));
    }

    /** Deals items ranked by {@code key} to {@code partitions} partitions round-robin (see {@link RoundRobin}). */
    public static <T> JavaRDD<T> deal(JavaRDD<T> items, org.apache.spark.api.java.function.Function<T, String> key,
                               int partitions) {
        return items.sortBy(key, true, partitions)
                .zipWithIndex()
                .mapToPair(Tuple2::swap)
                .repartitionAndSortWithinPartitions(new RoundRobin(partitions))
                .values();
    }

    /**
     * Deals files ranked by path to partitions like cards (rank modulo partitions): every partition gets every
     * label folder's files in equal measure, sizes differ by at most one, and which files a partition holds,
     * in which order, depends on the paths alone. Spark's repartition deals files in the order its shuffle
     * delivers them, which on a cluster changes from run to run and between a lost partition and its recompute.
     */
    static final class RoundRobin extends Partitioner {
        private final int partitions;

        RoundRobin(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object rank) {
            return (int) ((Long) rank % partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RoundRobin r && r.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }

    public static StorageLevel level(CacheStorage storage) {
        return switch (storage) {
            case MEMORY -> StorageLevel.MEMORY_AND_DISK();
            case SERIALISED -> StorageLevel.MEMORY_AND_DISK_SER();
            case DISK -> StorageLevel.DISK_ONLY();
            case ENCODED -> StorageLevel.MEMORY_AND_DISK();
        };
    }

    /** Decodes a partition's files (all of them, to count bad ones); keeps the pixels, or the files' bytes. */
    private record Decode(LabelIndex labels, ImageConfig image, boolean encoded,
                          Broadcast<SerializableHadoopConf> hadoop)
            implements Function2<Integer, Iterator<LakeFile>, Iterator<DecodedPartition>> {
        @Override
        public Iterator<DecodedPartition> call(Integer index, Iterator<LakeFile> files) {
            LakeFileDecoder decoder = new LakeFileDecoder(hadoop.value().get(), image);
            DecodedPartition.Builder partition = encoded ? DecodedPartition.Builder.encoded(image)
                    : new DecodedPartition.Builder(image.size());
            while (files.hasNext()) {
                LakeFile file = files.next();
                LakeFileDecoder.Decoded decoded = decoder.decodeKeepingBytes(file);
                if (decoded != null) {
                    if (encoded) {
                        partition.addEncoded(labels.id(file.label()), decoded.bytes(), file.relativePath());
                    } else {
                        partition.add(labels.id(file.label()), decoded.image().pixels(), file.relativePath());
                    }
                }
            }
            return List.of(partition.build(index, decoder.summary())).iterator();
        }
    }
}
