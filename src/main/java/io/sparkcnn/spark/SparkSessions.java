package io.sparkcnn.spark;

import io.sparkcnn.config.ComputeBackend;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.Settings;
import io.sparkcnn.config.SparkConfig;
import io.sparkcnn.train.OffHeap;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the job's SparkSession. spark-submit's settings (system properties {@code spark.*}) win over
 * the job config, which wins over our defaults: local[2] when nothing names a master, and
 * train.threadsPerWorker cores per task, which is also the OpenMP team size on executors (more threads
 * than that per task and tasks would fight over the cores).
 */
public final class SparkSessions {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\s*\\d+)?])?");

    private SparkSessions() {
    }

    public static SparkSession create(JobConfig job) {
        return SparkSession.builder().config(sparkConf(job.spark(), job.train().threadsPerWorker(), job.backend()))
                .getOrCreate();
    }

    static SparkConf sparkConf(SparkConfig config, int threadsPerTask, ComputeBackend backend) {
        SparkConf conf = new SparkConf(true);
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.masterIfSet().orElse("local[2]"));
        }
        conf.setIfMissing("spark.app.name", config.appName());
        config.conf().forEach(conf::setIfMissing);
        boolean ownTaskCpus = !conf.contains("spark.task.cpus");
        conf.setIfMissing("spark.task.cpus", String.valueOf(threadsPerTask));
        requireCoresForATask(conf, ownTaskCpus);
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", String.valueOf(threadsPerTask));
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        addPlugin(conf, ExecutorSetup.class.getName());
        // Executors decide for themselves whether CUDA works: under auto they rank it first, as ND4J does.
        backend.nd4jEnvironment(true).forEach((name, value) -> conf.setIfMissing("spark.executorEnv." + name, value));
        // Every round leaves an RDD and two broadcasts for Spark's cleaner. Blocking cleanup waits for every
        // executor to confirm, so one stuck executor stalls the cleaner thread for spark.rpc.askTimeout (120 s),
        // and SparkContext.stop waits for that thread: a job failing on a hang would take minutes to exit.
        conf.setIfMissing("spark.cleaner.referenceTracking.blocking", "false");
        limitOffHeap(conf);
        return conf;
    }

    /** Adds {@code plugin} to spark.plugins, after any the job names. */
    static void addPlugin(SparkConf conf, String plugin) {
        String plugins = conf.get("spark.plugins", "").trim();
        if (!java.util.Arrays.asList(plugins.split("\\s*,\\s*")).contains(plugin)) {
            conf.set("spark.plugins", plugins.isEmpty() ? plugin : plugins + "," + plugin);
        }
    }

    /**
     * A local master runs tasks on its own threads: a task that needs more cores than it has would never be
     * scheduled, and Spark refuses to start with a message that does not name our key.
     */
    private static void requireCoresForATask(SparkConf conf, boolean ownTaskCpus) {
        Matcher local = LOCAL.matcher(conf.get("spark.master"));
        if (!local.matches()) {
            return;
        }
        int cores = local.group(1) == null ? 1 : local.group(1).equals("*")
                ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(local.group(1));
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        if (taskCpus > cores) {
            String key = ownTaskCpus ? Settings.TRAIN_THREADS_PER_WORKER.key() : "spark.task.cpus";
            throw new ConfigException(key, taskCpus + " cores per task, but spark.master = " + conf.get("spark.master")
                    + " runs " + cores + "; use at most " + cores + " or a master with more cores");
        }
    }

    /**
     * Caps ND4J's off-heap memory on executors at what their containers allow beyond the heap (see
     * {@link OffHeap}), unless the job sets the limits itself; local mode has no executors.
     */
    static void limitOffHeap(SparkConf conf) {
        String options = conf.get("spark.executor.extraJavaOptions", "");
        if (conf.get("spark.master").startsWith("local") || options.contains(OffHeap.MAX_BYTES)) {
            return;
        }
        long heap = conf.getSizeAsBytes("spark.executor.memory", "1g");
        long overhead = conf.contains("spark.executor.memoryOverhead")
                ? conf.getSizeAsMb("spark.executor.memoryOverhead") << 20
                : Math.max(384L << 20, (long) (heap * conf.getDouble("spark.executor.memoryOverheadFactor", 0.1)));
        long[] limits = OffHeap.executorLimits(heap, overhead);
        conf.set("spark.executor.extraJavaOptions", (options + " -D" + OffHeap.MAX_BYTES + "=" + limits[0] + " -D"
                + OffHeap.MAX_PHYSICAL_BYTES + "=" + limits[1]).trim());
    }
}
