package io.sparkcnn.train;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded synthetic minibatches and networks for the training equivalence tests. */
final class TrainingFixtures {
    static final InputShape SHAPE = new InputShape(1, 28, 28);
    static final int CLASSES = 10;

    private TrainingFixtures() {
    }

    static TrainConfig adam() {
        return TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 8);
    }

    static MultiLayerNetwork network(TrainConfig train, long seed) {
        return (MultiLayerNetwork) replica(train, seed).dl4j();
    }

    static Network replica(TrainConfig train, long seed) {
        return Architectures.build(train, SHAPE, CLASSES, seed).build();
    }

    static List<DataSet> batches(int count, int batchSize, long seed) {
        Random r = new Random(seed);
        List<float[]> images = new ArrayList<>();
        int[] labels = new int[count * batchSize];
        for (int i = 0; i < labels.length; i++) {
            float[] px = new float[SHAPE.size()];
            for (int j = 0; j < px.length; j++) {
                px[j] = r.nextFloat();
            }
            images.add(px);
            labels[i] = r.nextInt(CLASSES);
        }
        return Minibatches.of(images, labels, SHAPE, CLASSES, batchSize);
    }
}
