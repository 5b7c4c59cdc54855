package io.sparkcnn.kernels;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Matrix products of dense 2-d float INDArrays in either order ('c' or 'f'), straight from OpenBLAS. DL4J keeps
 * dense layers' weights and their gradients in 'f' order and activations in 'c' order; reading each operand in
 * the order it is stored (a transposed operand costs OpenBLAS nothing) avoids ND4J's copies and its per-call
 * array and shape creation, which for the small products of an output layer cost more than the arithmetic.
 */
final class DenseMatrices {
    private DenseMatrices() {
    }

    /** True for a dense 2-d float matrix in c order (rows contiguous, no gaps). */
    static boolean rowMajor(INDArray a) {
        return a.rank() == 2 && a.dataType() == DataType.FLOAT
                && (a.size(1) == 1 || a.stride(1) == 1) && (a.size(0) == 1 || a.stride(0) == a.size(1));
    }

    /** True for a dense 2-d float matrix in f order (columns contiguous, no gaps). */
    static boolean columnMajor(INDArray a) {
        return a.rank() == 2 && a.dataType() == DataType.FLOAT
                && (a.size(0) == 1 || a.stride(0) == 1) && (a.size(1) == 1 || a.stride(1) == a.size(0));
    }

    /** True when {@link #multiply} can read or write the matrix in place. */
    static boolean dense(INDArray a) {
        return rowMajor(a) || columnMajor(a);
    }

    /**
     * {@code c = op(a) x op(b)}, op transposing when asked; every operand dense in either order
     * ({@link #dense}), c of the product's shape.
     */
    static void multiply(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c) {
        if (!dense(a) || !dense(b) || !dense(c)) {
            throw new IllegalArgumentException("not a dense 2-d float matrix: " + (dense(a) ? dense(b)
                    ? c.shapeInfoToString() : b.shapeInfoToString() : a.shapeInfoToString()));
        }
        int m = (int) c.size(0);
        int n = (int) c.size(1);
        int k = (int) (transposeA ? a.size(0) : a.size(1));
        if ((transposeA ? a.size(1) : a.size(0)) != m || (transposeB ? b.size(0) : b.size(1)) != n
                || (transposeB ? b.size(1) : b.size(0)) != k) {
            throw new IllegalArgumentException("cannot multiply " + shape(a, transposeA) + " by "
                    + shape(b, transposeB) + " into " + shape(c, false));
        }
        // BLAS reads every operand in the order of the result; an operand stored the other way is transposed.
        boolean cRows = rowMajor(c);
        openblas_nolapack.cblas_sgemm(cRows ? openblas_nolapack.CblasRowMajor : openblas_nolapack.CblasColMajor,
                transpose(transposeA ^ (rowMajor(a) != cRows)), transpose(transposeB ^ (rowMajor(b) != cRows)),
                m, n, k, 1f, DenseFloats.pointer(a, 0), leading(a), DenseFloats.pointer(b, 0), leading(b), 0f,
                DenseFloats.pointer(c, 0), leading(c));
    }

    private static int transpose(boolean t) {
        return t ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    }

    /** BLAS's leading dimension: the distance between rows (c order) or columns (f order), at least 1. */
    private static int leading(INDArray a) {
        return (int) Math.max(1, rowMajor(a) ? a.size(1) : a.size(0));
    }

    private static String shape(INDArray a, boolean transposed) {
        return transposed ? "[" + a.size(1) + "," + a.size(0) + "]" : "[" + a.size(0) + "," + a.size(1) + "]";
    }
}
