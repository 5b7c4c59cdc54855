package io.sparkcnn.spark.training;

import io.sparkcnn.config.AveragingConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.train.Minibatches;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code train.strategy = dl4j-stock}: dl4j-spark's ParameterAveragingTrainingMaster (Export approach) on the
 * same decoded data, evaluated the same way, kept as the reference spark-cnn's trainer is measured against.
 * Its Export approach writes every minibatch to {@code <output.dir>/_dl4j-export}, deleted afterwards; where
 * dl4j-spark does not allow Export it uses its Direct approach.
 */
public final class StockTrainer implements Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(StockTrainer.class);

    private final SparkSession spark;
    private final JobConfig job;

    public StockTrainer(SparkSession spark, JobConfig job) {
        this.spark = spark;
        this.job = job;
    }

    /** dl4j-spark keeps no state spark-cnn could save: checkpointing is not offered (nothing resumes). */
    @Override
    public boolean checkpoints() {
        return false;
    }

    @Override
    public TrainingResult train(PreparedData data, Checkpointing checkpointing) throws IOException {
        if (checkpointing.resumeFrom() != null) {
            throw new IllegalArgumentException("dl4j-stock cannot resume from a checkpoint");
        }
        TrainConfig t = job.train();
        NetworkSpec spec = Architectures.build(t, data.shape(), data.labels().size(), job.seed());
        InputShape shape = data.shape();
        Normalisation normalisation = data.normalisation();
        JavaRDD<DataSet> minibatches = minibatches(data, t.batchSizePerWorker(), t.optimiser().labelSmoothing());
        Path exportDir = FileSystems.qualified(job.outputDir() + "/_dl4j-export", spark.sparkContext().hadoopConfiguration());
        ParameterAveragingTrainingMaster master = master(spark, t, exportDir);
        Fitter fitter = fitter(spark, spec, master);
        DistributedTrainer evaluator = new DistributedTrainer(spark, job, FaultInjector.NONE);
        long total = data.train().map(DecodedPartition::count).reduce(Integer::sum);
        List<Metrics> history = new ArrayList<>();
        double seconds = 0;
        try {
            for (int epoch = 0; epoch < t.epochs(); epoch++) {
                long start = System.nanoTime();
                fitter.fit(minibatches, epoch);
                seconds += (System.nanoTime() - start) / 1e9;
                Metrics m = evaluator.evaluate(data.heldOut(), spec, fitter.network().params().data().asFloat(), shape,
                        data.labels(), normalisation);
                history.add(m);
                LOG.info("Epoch {}/{} (dl4j-stock): {} images\n{}", epoch + 1, t.epochs(), total, m.table());
            }
        } finally {
            minibatches.unpersist(false);
            exportDir.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(exportDir, true);
        }
        // dl4j-spark does not say where its workers ran.
        return new TrainingResult(fitter.network(), List.copyOf(history), total * t.epochs(), seconds,
                List.of(), List.of(), List.of(), averagingFrequency(t));
    }

    private static int averagingFrequency(TrainConfig t) {
        return t.averaging().chosen() ? AveragingConfig.MIN_CHOSEN_FREQUENCY : t.averagingFrequency();
    }

    /** One epoch of dl4j-spark's training on either kind of network. */
    public interface Fitter {
        void fit(JavaRDD<DataSet> minibatches, int epoch);

        Network network();
    }

    /** dl4j-spark's front end for the network: SparkDl4jMultiLayer or SparkComputationGraph. */
    public static Fitter fitter(SparkSession spark, NetworkSpec spec, ParameterAveragingTrainingMaster master) {
        Network initial = spec.build();
        if (initial.isGraph()) {
            SparkComputationGraph graph = new SparkComputationGraph(spark.sparkContext(),
                    (ComputationGraph) initial.dl4j(), master);
            return new Fitter() {
                public void fit(JavaRDD<DataSet> minibatches, int epoch) {
                    graph.getNetwork().getConfiguration().setEpochCount(epoch);
                    graph.fit(minibatches);
                }

                public Network network() {
                    return Network.of(graph.getNetwork());
                }
            };
        }
        SparkDl4jMultiLayer layers = new SparkDl4jMultiLayer(spark.sparkContext(), (MultiLayerNetwork) initial.dl4j(),
                master);
        return new Fitter() {
            public void fit(JavaRDD<DataSet> minibatches, int epoch) {
                layers.getNetwork().setEpochCount(epoch);
                layers.fit(minibatches);
            }

            public Network network() {
                return Network.of(layers.getNetwork());
            }
        };
    }

    /** The training split as normalised minibatches (labels smoothed by {@code smoothing}), dl4j-spark's input. */
    public static JavaRDD<DataSet> minibatches(PreparedData data, int batch, double smoothing) {
        InputShape shape = data.shape();
        int classes = data.labels().size();
        Normalisation normalisation = data.normalisation();
        return data.train().flatMap(p -> {
            List<float[]> images = new ArrayList<>(p.count());
            for (int i = 0; i < p.count(); i++) {
                images.add(p.image(i, normalisation));
            }
            return Minibatches.of(images, p.labels(), shape, classes, batch, smoothing).iterator();
        }).persist(StorageLevel.MEMORY_ONLY_SER()); // the level dl4j-spark's Direct approach persists with
    }

    /** dl4j-spark's master for the config's minibatch, averaging frequency and updater averaging. */
    public static ParameterAveragingTrainingMaster master(SparkSession spark, TrainConfig t, Path exportDir) {
        // dl4j-spark refuses Export on a local default FileSystem unless the master is plain local[N] (its
        // own check); there it falls back to its Direct approach, and says so.
        boolean export = ExportSupport.exportSupported(JavaSparkContext.fromSparkContext(spark.sparkContext()));
        if (!export) {
            LOG.warn("dl4j-stock: dl4j-spark does not support its Export approach with master {} and a local default "
                    + "FileSystem; using its Direct approach", spark.sparkContext().master());
        }
        return new ParameterAveragingTrainingMaster.Builder(t.batchSizePerWorker())
                .batchSizePerWorker(t.batchSizePerWorker())
                .averagingFrequency(averagingFrequency(t))
                .saveUpdater(t.averageUpdaterState())
                .workerPrefetchNumBatches(0)
                .storageLevel(StorageLevel.MEMORY_ONLY_SER())
                .rddTrainingApproach(export ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct)
                .exportDirectory(exportDir.toString())
                .build();
    }
}
