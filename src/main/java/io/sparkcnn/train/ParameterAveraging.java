package io.sparkcnn.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The merge of parameter averaging (McDonald et al. 2010; Zhang et al. 2015): the element-wise mean of
 * the workers' vectors, summed in the order given and divided once, so that the same results in the same
 * order always give the same bits.
 */
public final class ParameterAveraging {
    private ParameterAveraging() {
    }

    public static INDArray mean(List<INDArray> vectors) {
        if (vectors.isEmpty()) {
            throw new IllegalArgumentException("nothing to average");
        }
        INDArray sum = vectors.get(0).dup();
        for (int i = 1; i < vectors.size(); i++) {
            INDArray v = vectors.get(i);
            if (v.length() != sum.length()) {
                throw new IllegalArgumentException("vector " + i + " has " + v.length() + " values, vector 0 has "
                        + sum.length());
            }
            sum.addi(v);
        }
        return sum.divi(vectors.size());
    }
}
