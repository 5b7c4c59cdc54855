package io.sparkcnn.bench;

import io.sparkcnn.data.FashionMnistImporter;
import io.sparkcnn.data.IdxImages;
import io.sparkcnn.data.IdxReader;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** The first images of Debian's Fashion-MNIST training set, as unit-scaled pixels and class ids. */
record FashionMnistSample(List<float[]> pixels, int[] labels) {
    static FashionMnistSample load(int images) throws IOException {
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
        return new FashionMnistSample(pixels, ids);
    }
}
