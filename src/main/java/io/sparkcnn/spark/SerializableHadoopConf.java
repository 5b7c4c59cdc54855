package io.sparkcnn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * Ships the driver's Hadoop configuration (credentials, fs.* settings) to executors. Always through a
 * broadcast ({@link #broadcast}): a function that holds the configuration itself is serialised into every
 * task of every stage downstream of it, and each averaging round paid for reading it back.
 */
public final class SerializableHadoopConf implements Serializable {
    private transient Configuration conf;

    public SerializableHadoopConf(Configuration conf) {
        this.conf = conf;
    }

    public static org.apache.spark.broadcast.Broadcast<SerializableHadoopConf> broadcast(
            org.apache.spark.sql.SparkSession spark) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()));
    }

    public Configuration get() {
        return conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}
