package io.sparkcnn.spark.lake;

import io.sparkcnn.config.BadFilesConfig;
import io.sparkcnn.config.DataConfig;
import io.sparkcnn.config.DuplicatePolicy;
import io.sparkcnn.config.LakeFormat;
import io.sparkcnn.data.BadFile;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.data.FolderWalker;
import io.sparkcnn.data.HeldOutSplit;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakePaths;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.SerializableHadoopConf;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lists a job's lakes through Spark, so that listing scales to millions of files: a folder lake with one
 * task per label folder ({@link FolderWalker}; Spark's {@code binaryFile} source is slower for this, as
 * it reads every local file's permissions through a forked process), a manifest with the CSV or Parquet
 * source. Files are assigned to a split here: every file of an explicit held-out lake is held
 * out; otherwise {@link HeldOutSplit} hashes the path relative to the lake root.
 */
public final class LakeLister {
    private static final Logger LOG = LoggerFactory.getLogger(LakeLister.class);

    private LakeLister() {
    }

    public static LakeListing list(SparkSession spark, DataConfig data, long seed) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        HeldOutSplit hashSplit = data.heldOutLake().isPresent() ? null : new HeldOutSplit(seed, data.heldOutFraction());
        Map<Split, Set<String>> folders = new EnumMap<>(Split.class);
        folders.put(Split.TRAIN, new TreeSet<>());
        folders.put(Split.HELD_OUT, new TreeSet<>());
        List<String> labelFolderPaths = new ArrayList<>();

        JavaRDD<LakeFile> files;
        if (data.train().isBlank() && data.heldOutLake().isPresent()) {
            // Scoring a saved model needs its held-out lake only.
            files = JavaSparkContext.fromSparkContext(spark.sparkContext()).emptyRDD();
        } else {
            Lake train = listLake(spark, hadoop, data.requireTrain(), "data.train", data,
                    new SplitRule(hashSplit == null ? Split.TRAIN : null, hashSplit));
            files = train.files;
            addFolders(folders, train, hashSplit == null ? List.of(Split.TRAIN) : List.of(Split.TRAIN, Split.HELD_OUT));
            labelFolderPaths.addAll(train.folderPaths);
        }
        if (data.heldOutLake().isPresent()) {
            Lake heldOut = listLake(spark, hadoop, data.heldOut(), "data.heldOut", data,
                    new SplitRule(Split.HELD_OUT, null));
            files = files.union(heldOut.files);
            addFolders(folders, heldOut, List.of(Split.HELD_OUT));
            labelFolderPaths.addAll(heldOut.folderPaths);
        }
        int partitions = data.partitions() > 0 ? data.partitions() : spark.sparkContext().defaultParallelism();
        files = files.repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
        List<BadFile> empty = emptyFolders(files, labelFolderPaths);
        LOG.info("Listed {} files in {} partitions ({} label folders, {} of them empty)", files.count(),
                partitions, labelFolderPaths.size(), empty.size());
        return new LakeListing(files, folders, empty);
    }

    private record Lake(JavaRDD<LakeFile> files, Set<String> labels, List<String> folderPaths) {
    }

    private static void addFolders(Map<Split, Set<String>> folders, Lake lake, List<Split> splits) {
        for (Split s : splits) {
            folders.get(s).addAll(lake.labels);
        }
    }

    private static Lake listLake(SparkSession spark, Configuration hadoop, String uri, String key, DataConfig data,
                                 SplitRule rule) {
        return listLake(spark, hadoop, uri, key, data, rule, false);
    }

    /**
     * Lists a lake of images to classify: a folder lake (images at any depth; the first folder level is the
     * true label where there is one, files directly under the root have none) or a manifest whose label column
     * is optional. Every file is on the training side of the split; labels are not checked against anything.
     */
    public static JavaRDD<LakeFile> listForPrediction(SparkSession spark, String uri, String key, DataConfig data) {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Lake lake = listLake(spark, hadoop, uri, key, data, new SplitRule(Split.TRAIN, null), true);
        int partitions = data.partitions() > 0 ? data.partitions() : spark.sparkContext().defaultParallelism();
        JavaRDD<LakeFile> files = lake.files.repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
        LOG.info("Listed {} files to classify in {} partitions", files.count(), partitions);
        return files;
    }

    private static Lake listLake(SparkSession spark, Configuration hadoop, String uri, String key, DataConfig data,
                                 SplitRule rule, boolean labelsOptional) {
        Path root;
        FileStatus status;
        try {
            root = FileSystems.qualified(uri, hadoop);
            FileSystem fs = FileSystems.of(root, hadoop);
            if (!fs.exists(root)) {
                throw new DataException(key + ": lake " + root + " does not exist");
            }
            status = fs.getFileStatus(root);
        } catch (IOException | DataException e) {
            throw new DataException(key + ": cannot read lake " + uri + ": " + e.getMessage());
        }
        LakeFormat format = data.format().resolve(uri);
        if (format == LakeFormat.MANIFEST) {
            // A manifest is a file or a folder of part files, as Spark writes Parquet and CSV.
            return new Lake(listManifest(spark, root, key, rule, labelsOptional, data.badFiles()), Set.of(), List.of());
        }
        if (!status.isDirectory()) {
            throw new DataException(key + ": " + root + " is a file, not a folder lake; a manifest must end in "
                    + ".csv or .parquet (or set data.format = manifest)");
        }
        return listFolders(spark, hadoop, root, data.extensions(), rule, labelsOptional);
    }

    /**
     * The driver lists the root's label folders; Spark tasks list each folder (at any depth) in parallel.
     * Files directly under the root are listed on the driver: they are bad entries, never images.
     */
    private static Lake listFolders(SparkSession spark, Configuration hadoop, Path root, List<String> extensions,
                                    SplitRule rule, boolean labelsOptional) {
        Set<String> labels = new TreeSet<>();
        List<String> folderPaths = new ArrayList<>();
        List<FolderWalker.Entry> rootFiles = new ArrayList<>();
        try {
            for (FileStatus child : FileSystems.of(root, hadoop).listStatus(root)) {
                String name = child.getPath().getName();
                if (LakePaths.isHidden(name)) {
                    continue;
                }
                if (child.isDirectory()) {
                    labels.add(name);
                    folderPaths.add(child.getPath().toString());
                } else {
                    rootFiles.add(new FolderWalker.Entry(child.getPath().toString(), child.getLen(),
                            child.getModificationTime()));
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot list " + root + ": " + e.getMessage());
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SerializableHadoopConf> conf = SerializableHadoopConf.broadcast(spark);
        Set<String> exts = new HashSet<>(extensions.stream().map(e -> e.toLowerCase(Locale.ROOT)).toList());
        FolderRow toLakeFile = new FolderRow(root.toString(), exts, rule, labelsOptional);
        JavaRDD<FolderWalker.Entry> entries = sc.parallelize(folderPaths, Math.max(1, folderPaths.size()))
                .flatMap(folder -> FolderWalker.walk(new Path(folder), conf.value().get()).iterator())
                .union(sc.parallelize(rootFiles, 1));
        return new Lake(entries.map(toLakeFile), labels, folderPaths);
    }

    private static JavaRDD<LakeFile> listManifest(SparkSession spark, Path manifest, String key, SplitRule rule,
                                                  boolean labelsOptional, BadFilesConfig badFiles) {
        boolean parquet = manifest.getName().toLowerCase(Locale.ROOT).endsWith(".parquet");
        Dataset<Row> rows = parquet
                ? spark.read().parquet(manifest.toString())
                : spark.read().option("header", "true").csv(manifest.toString());
        List<String> columns = Arrays.asList(rows.columns());
        if (!columns.contains("path") || !columns.contains("label") && !labelsOptional) {
            throw new DataException(key + ": manifest " + manifest + " needs columns path" + (labelsOptional ? ""
                    : " and label") + ", found " + columns + (parquet ? "" : " (the first line of a CSV manifest is its "
                    + "header)"));
        }
        JavaPairRDD<LakeFile, Long> listed = rows.select(functions.col("path").cast("string"),
                        columns.contains("label")
                                ? functions.col("label").cast("string") : functions.lit(null).cast("string"))
                .toJavaRDD()
                .map(new ManifestRow(manifest.toString(), manifest.getParent().toString(), rule, labelsOptional))
                .zipWithIndex();
        return withoutDuplicates(listed, key, manifest, badFiles);
    }

    /**
     * A manifest's rows with every file once: the rows that name a file already named stop the job (listing
     * {@code listLimit} of them with their labels), or, under {@code first}, are dropped after the manifest's
     * first row for that file, counted in the log.
     */
    private static JavaRDD<LakeFile> withoutDuplicates(JavaPairRDD<LakeFile, Long> rows, String key, Path manifest,
                                                       BadFilesConfig badFiles) {
        JavaPairRDD<String, Tuple2<LakeFile, Long>> byFile = rows
                .filter(r -> r._1().problem() == null)
                .mapToPair(r -> new Tuple2<>(new Path(r._1().uri()).toString(), r));
        JavaPairRDD<String, Iterable<String>> repeated = byFile
                .mapValues(r -> r._1().label() == null ? "(no label)" : r._1().label())
                .groupByKey()
                .filter(g -> count(g._2()) > 1);
        long files = repeated.count();
        if (files == 0) {
            return rows.keys();
        }
        List<String> sample = repeated.take(Math.max(1, badFiles.listLimit())).stream()
                .map(g -> "  " + g._1() + ": " + count(g._2()) + " rows, labels " + g._2())
                .toList();
        String listing = String.join("\n", sample) + (files > sample.size() ? "\n  ... and " + (files - sample.size())
                + " more" : "");
        if (badFiles.duplicates() == DuplicatePolicy.ERROR) {
            throw new DataException(key + ": manifest " + manifest + " lists " + files + " file(s) more than once:\n"
                    + listing + "\nRemove the extra rows, or set data.badFiles.duplicates = first to keep each file's "
                    + "first row.");
        }
        JavaRDD<LakeFile> kept = byFile.reduceByKey((a, b) -> a._2() <= b._2() ? a : b).map(r -> r._2()._1())
                .union(rows.keys().filter(f -> f.problem() != null));
        LOG.warn("{}: manifest {} lists {} file(s) more than once; kept each file's first row "
                + "(data.badFiles.duplicates = first):\n{}", key, manifest, files, listing);
        return kept;
    }

    private static int count(Iterable<?> values) {
        int n = 0;
        for (Object ignored : values) {
            n++;
        }
        return n;
    }

    private static List<BadFile> emptyFolders(JavaRDD<LakeFile> files, List<String> folderPaths) {
        if (folderPaths.isEmpty()) {
            return List.of();
        }
        Set<String> withFiles = new HashSet<>(files
                .filter(f -> f.label() != null)
                .map(f -> f.uri().substring(0, f.uri().length() - f.relativePath().length()) + f.label())
                .distinct()
                .collect());
        List<BadFile> empty = new ArrayList<>();
        for (String folder : folderPaths) {
            if (!withFiles.contains(folder)) {
                empty.add(new BadFile(folder, "empty label folder: no files"));
            }
        }
        return empty;
    }

    /** An explicit split for a whole lake, or the hashed held-out split. */
    private record SplitRule(Split forced, HeldOutSplit hash) implements java.io.Serializable {
        Split of(String relativePath) {
            return forced != null ? forced : hash.isHeldOut(relativePath) ? Split.HELD_OUT : Split.TRAIN;
        }
    }

    private record FolderRow(String root, Set<String> extensions, SplitRule rule, boolean labelsOptional)
            implements Function<FolderWalker.Entry, LakeFile> {
        @Override
        public LakeFile call(FolderWalker.Entry entry) {
            String uri = entry.uri();
            String relative = LakePaths.relative(root, uri);
            if (relative == null) {
                relative = new Path(uri).getName();
            }
            String label = LakePaths.labelOf(relative);
            LakeFile file = new LakeFile(uri, relative, label, rule.of(relative), entry.length(),
                    entry.modificationTime(), null);
            String ext = LakePaths.extension(relative);
            if (entry.problem() != null) {
                return file.withProblem(entry.problem());
            }
            if (label == null && !labelsOptional) {
                return file.withProblem("not inside a label folder (a folder lake is <root>/<label>/.../<image>)");
            }
            if (!extensions.contains(ext)) {
                return file.withProblem("not an image extension: " + (ext.isEmpty() ? "(none)" : "." + ext)
                        + " (data.extensions = " + extensions.stream().sorted().toList() + ")");
            }
            return file;
        }
    }

    private record ManifestRow(String manifest, String manifestDir, SplitRule rule, boolean labelsOptional)
            implements Function<Row, LakeFile> {
        @Override
        public LakeFile call(Row row) {
            String path = row.isNullAt(0) ? "" : row.getString(0).trim();
            String label = row.isNullAt(1) ? "" : row.getString(1).trim();
            if (path.isEmpty()) {
                return new LakeFile(manifest, "", null, Split.TRAIN, -1, -1,
                        "manifest row without a path (label \"" + label + "\")");
            }
            Path p = new Path(path);
            String uri = p.isAbsolute() || p.toUri().getScheme() != null
                    ? path : new Path(manifestDir, path).toString();
            String relative = p.isAbsolute() || p.toUri().getScheme() != null
                    ? relativeOrWhole(uri) : path;
            LakeFile file = new LakeFile(uri, relative, label.isEmpty() ? null : label, rule.of(relative), -1, -1,
                    null);
            return label.isEmpty() && !labelsOptional
                    ? file.withProblem("manifest " + manifest + " gives no label for this file") : file;
        }

        private String relativeOrWhole(String uri) {
            String r = LakePaths.relative(manifestDir, uri);
            return r != null ? r : new Path(uri).toUri().getPath();
        }
    }
}
