package io.sparkcnn.spark;

import io.sparkcnn.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the job's SparkSession. spark-submit's settings (system properties {@code spark.*}) win over
 * the job config, which wins over our defaults: local[2] when nothing names a master, and one OpenMP
 * thread per task on executors (two tasks each driving an OpenMP team would fight over the cores).
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    public static SparkSession create(SparkConfig config) {
        return SparkSession.builder().config(sparkConf(config)).getOrCreate();
    }

    static SparkConf sparkConf(SparkConfig config) {
        SparkConf conf = new SparkConf(true);
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.masterIfSet().orElse("local[2]"));
        }
        conf.setIfMissing("spark.app.name", config.appName());
        config.conf().forEach(conf::setIfMissing);
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        return conf;
    }
}
