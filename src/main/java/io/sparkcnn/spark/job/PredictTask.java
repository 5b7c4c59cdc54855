package io.sparkcnn.spark.job;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeFileDecoder;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Ranking;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.SerializableHadoopConf;
import io.sparkcnn.spark.gpu.TaskGpus;
import io.sparkcnn.spark.training.Replicas;
import io.sparkcnn.train.Minibatches;
import io.sparkcnn.train.WorkerCompute;
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
 * as training counts them), runs the broadcast network on minibatches of {@code batchSize} and keeps each
 * image's top-k labels. Returns one {@link Part} per partition: the predictions and the partition's summary.
 */
record PredictTask(String jobId, NetworkSpec spec, Broadcast<float[]> params, InputShape shape, List<String> labels,
                   Normalisation normalisation, ImageConfig image, int topK, int batchSize, WorkerCompute compute,
                   Broadcast<SerializableHadoopConf> hadoop)
        implements FlatMapFunction<Iterator<LakeFile>, PredictTask.Part> {

    /** One image's prediction; {@code label} is the true label where the lake gives one. */
    record Prediction(String path, String label, String predicted, double probability, String[] topLabels,
                      double[] topProbabilities) implements Serializable {
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
            pixels.add(normalisation.apply(decoded.pixels()));
            if (batch.size() == batchSize) {
                classify(replica, batch, pixels, out);
            }
        }
        if (!batch.isEmpty()) {
            classify(replica, batch, pixels, out);
        }
        Replicas.giveBack(key, replica);
        return List.of(new Part(out, decoder.summary())).iterator();
    }

    private void classify(Network replica, List<LakeFile> batch, List<float[]> pixels, List<Prediction> out) {
        float[][] probabilities = replica.output(Minibatches.features(pixels, shape)).toFloatMatrix();
        int k = Math.min(topK, labels.size());
        for (int i = 0; i < batch.size(); i++) {
            int[] order = Ranking.top(probabilities[i], k);
            String[] top = new String[k];
            double[] p = new double[k];
            for (int j = 0; j < k; j++) {
                top[j] = labels.get(order[j]);
                p[j] = probabilities[i][order[j]];
            }
            out.add(new Prediction(batch.get(i).uri(), batch.get(i).label(), top[0], p[0], top, p));
        }
        batch.clear();
        pixels.clear();
    }
}
