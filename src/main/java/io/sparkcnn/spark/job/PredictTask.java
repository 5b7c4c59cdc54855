package io.sparkcnn.spark.job;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeFileDecoder;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.SerializableHadoopConf;
import io.sparkcnn.spark.gpu.TaskGpus;
import io.sparkcnn.spark.training.Replicas;
import io.sparkcnn.train.WorkerCompute;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Classifies one partition of listed files: reads and decodes each (bad files are counted with their reason,
 * as training counts them) and runs the broadcast network through a {@link Classifier} on minibatches of
 * {@code batchSize}. Returns one {@link Part} per partition: the predictions and the partition's summary.
 */
record PredictTask(String jobId, NetworkSpec spec, Broadcast<float[]> params, InputShape shape, LabelIndex labels,
                   Normalisation normalisation, ImageConfig image, int topK, int batchSize, WorkerCompute compute,
                   Broadcast<SerializableHadoopConf> hadoop)
        implements FlatMapFunction<Iterator<LakeFile>, PredictTask.Part> {

    /** One image's prediction; {@code label} is the true label where the lake gives one. */
    record Prediction(String path, String label, Classifier.Prediction prediction) implements Serializable {
    }

    /** A partition's predictions and what its decoder saw. */
    record Part(List<Prediction> predictions, LakeSummary summary) implements Serializable {
    }

    @Override
    public Iterator<Part> call(Iterator<LakeFile> files) {
        compute.prepare(TaskGpus.current());
        LakeFileDecoder decoder = new LakeFileDecoder(hadoop.value().get(), image);
        String key = jobId + "/predict/" + TaskContext.getPartitionId();
        Network replica = Replicas.borrow(key, spec);
        replica.setParams(Nd4j.createFromArray(params.value()));
        Classifier classifier = new Classifier(replica, labels, shape, normalisation, topK);
        List<Prediction> out = new ArrayList<>();
        List<LakeFile> batch = new ArrayList<>(batchSize);
        List<float[]> pixels = new ArrayList<>(batchSize);
        while (files.hasNext()) {
            LakeFile f = files.next();
            // The summary counts images per label; an image without one is counted under a name no folder can have.
            DecodedImage decoded = decoder.decode(f.label() != null ? f : new LakeFile(f.uri(), f.relativePath(),
                    "(no label)", f.split(), f.length(), f.modificationTime(), f.problem()));
            if (decoded == null) {
                continue;
            }
            batch.add(f);
            pixels.add(decoded.pixels());
            if (batch.size() == batchSize) {
                classify(classifier, batch, pixels, out);
            }
        }
        if (!batch.isEmpty()) {
            classify(classifier, batch, pixels, out);
        }
        Replicas.giveBack(key, replica);
        return List.of(new Part(out, decoder.summary())).iterator();
    }

    private static void classify(Classifier classifier, List<LakeFile> batch, List<float[]> pixels,
                                 List<Prediction> out) {
        List<Classifier.Prediction> predictions = classifier.classify(pixels);
        for (int i = 0; i < batch.size(); i++) {
            // One spelling of a path for every output: Hadoop's (file:/x, hdfs://host/x), as Spark's binaryFile has it.
            out.add(new Prediction(new Path(batch.get(i).uri()).toString(), batch.get(i).label(), predictions.get(i)));
        }
        batch.clear();
        pixels.clear();
    }
}
