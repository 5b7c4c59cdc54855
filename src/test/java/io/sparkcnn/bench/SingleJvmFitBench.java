package io.sparkcnn.bench;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.data.FashionMnistImporter;
import io.sparkcnn.data.IdxImages;
import io.sparkcnn.data.IdxReader;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.train.Minibatches;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Images/s of a plain single-JVM fit of the seed CNN on Fashion-MNIST (minibatch 32, Adam 1e-3). */
public final class SingleJvmFitBench {
    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        IdxImages idx;
        byte[] labels;
        try (InputStream in = new FileInputStream(FashionMnistImporter.DEBIAN_SOURCE + "/train-images-idx3-ubyte.gz")) {
            idx = IdxReader.readImages(in, "train-images");
        }
        try (InputStream in = new FileInputStream(FashionMnistImporter.DEBIAN_SOURCE + "/train-labels-idx1-ubyte.gz")) {
            labels = IdxReader.readLabels(in, "train-labels");
        }
        List<float[]> pixels = new ArrayList<>();
        int[] ids = new int[images];
        for (int i = 0; i < images; i++) {
            byte[] b = idx.image(i);
            float[] f = new float[b.length];
            for (int j = 0; j < b.length; j++) {
                f[j] = (b[j] & 0xff) / 255f;
            }
            pixels.add(f);
            ids[i] = labels[i];
        }
        InputShape shape = new InputShape(1, 28, 28);
        List<DataSet> batches = Minibatches.of(pixels, ids, shape, 10, 32);
        MultiLayerNetwork net = (MultiLayerNetwork) Architectures.build(
                TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32), shape, 10, 42).build().dl4j();
        for (int rep = 0; rep < 3; rep++) {
            long t = System.nanoTime();
            for (DataSet b : batches) {
                net.fit(b);
            }
            double s = (System.nanoTime() - t) / 1e9;
            System.out.printf("single-JVM fit, %d images: %.1f s, %.0f images/s (OMP_NUM_THREADS=%s)%n", images, s,
                    images / s, System.getenv("OMP_NUM_THREADS"));
        }
    }
}
