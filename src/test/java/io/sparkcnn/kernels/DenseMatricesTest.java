package io.sparkcnn.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenBLAS products of matrices stored in either order, with either operand transposed, are ND4J's products. */
class DenseMatricesTest {
    @Test
    void everyOrderAndTransposeGivesNd4jsProduct() {
        Nd4j.getRandom().setSeed(4);
        INDArray left = Nd4j.rand(DataType.FLOAT, 5, 7);
        INDArray right = Nd4j.rand(DataType.FLOAT, 7, 3);
        INDArray expected = left.mmul(right);
        for (char aOrder : new char[] {'c', 'f'}) {
            for (char bOrder : new char[] {'c', 'f'}) {
                for (char cOrder : new char[] {'c', 'f'}) {
                    for (boolean ta : new boolean[] {false, true}) {
                        for (boolean tb : new boolean[] {false, true}) {
                            INDArray a = (ta ? left.transpose() : left).dup(aOrder);
                            INDArray b = (tb ? right.transpose() : right).dup(bOrder);
                            INDArray c = Nd4j.create(DataType.FLOAT, new long[] {5, 3}, cOrder);
                            DenseMatrices.multiply(a, ta, b, tb, c);
                            String what = "a " + aOrder + (ta ? "^T" : "") + ", b " + bOrder + (tb ? "^T" : "")
                                    + ", c " + cOrder;
                            assertTrue(expected.equalsWithEps(c, 1e-5), what + ": " + c + " vs " + expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aStridedViewOrAMismatchedShapeIsRefused() {
        INDArray wide = Nd4j.rand(DataType.FLOAT, 5, 14);
        INDArray strided = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7));
        INDArray right = Nd4j.rand(DataType.FLOAT, 7, 3);
        INDArray c = Nd4j.create(DataType.FLOAT, 5, 3);
        assertThrows(IllegalArgumentException.class, () -> DenseMatrices.multiply(strided, false, right, false, c));
        assertThrows(IllegalArgumentException.class, () -> DenseMatrices.multiply(right, false, right, false, c));
    }
}
