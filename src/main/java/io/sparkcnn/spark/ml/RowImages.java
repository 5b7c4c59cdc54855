package io.sparkcnn.spark.ml;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.ImageDecoder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/**
 * Reads the image column of a DataFrame row, as Spark's two image sources give it: the {@code image} source's
 * struct (origin, height, width, nChannels, mode, data: 8-bit BGR or BGRA bytes, row by row) or the
 * {@code binaryFile} source's encoded file bytes ({@code content}), decoded like a lake file. Either way the
 * result is the configured size and channels in [0, 1], CHW; anything else is a {@link BadImageException}
 * naming the image.
 */
public final class RowImages {
    private RowImages() {
    }

    /** The column's kind, or an IllegalArgumentException naming the column and what it should be. */
    public static boolean isImageStruct(StructType schema, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("image column \"" + column + "\" is not in the DataFrame "
                    + Arrays.toString(schema.fieldNames()) + "; set imageCol");
        }
        DataType type = schema.apply(column).dataType();
        if (type instanceof BinaryType) {
            return false;
        }
        if (type instanceof StructType s && Arrays.asList(s.fieldNames()).containsAll(List.of("origin", "height",
                "width", "nChannels", "data"))) {
            return true;
        }
        throw new IllegalArgumentException("image column \"" + column + "\" is " + type.simpleString() + "; it must "
                + "be the image source's struct (spark.read().format(\"image\")) or binary file content "
                + "(spark.read().format(\"binaryFile\"), column content)");
    }

    /** A name for the row's image in messages: the struct's origin, or the path column when there is one. */
    public static String name(Row row, int imageIndex, boolean struct, int pathIndex) {
        if (struct) {
            Row image = row.getStruct(imageIndex);
            return image == null ? "(null image)" : image.getAs("origin");
        }
        return pathIndex >= 0 ? row.getString(pathIndex) : "(row without a path)";
    }

    public static DecodedImage decode(Row row, int imageIndex, boolean struct, String name, ImageConfig config,
                               ImageDecoder decoder) throws BadImageException {
        if (row.isNullAt(imageIndex)) {
            throw new BadImageException("no image (null)");
        }
        if (!struct) {
            return decoder.decode((byte[]) row.get(imageIndex), name);
        }
        Row image = row.getStruct(imageIndex);
        int h = image.<Integer>getAs("height");
        int w = image.<Integer>getAs("width");
        int c = image.<Integer>getAs("nChannels");
        byte[] data = image.getAs("data");
        if (h <= 0 || w <= 0 || data == null || data.length == 0) {
            throw new BadImageException("the image source could not decode it (invalid image)");
        }
        if (h != config.height() || w != config.width()) {
            throw new BadImageException(w + "x" + h + ", not the configured " + config.width() + "x" + config.height()
                    + " (the image source does not resize: read with the binaryFile source and data.image.resize)");
        }
        if (data.length != h * w * c || (c != 1 && c != 3 && c != 4)) {
            throw new BadImageException("struct data of " + data.length + " bytes for " + w + "x" + h + "x" + c);
        }
        int plane = h * w;
        float[] px = new float[config.channels() * plane];
        for (int i = 0; i < plane; i++) {
            float b = (data[i * c] & 0xff) / 255f;
            if (c == 1) {
                for (int k = 0; k < config.channels(); k++) {
                    px[k * plane + i] = b;
                }
                continue;
            }
            float g = (data[i * c + 1] & 0xff) / 255f;
            float r = (data[i * c + 2] & 0xff) / 255f;
            if (config.channels() == 1) {
                px[i] = (float) (0.299 * r + 0.587 * g + 0.114 * b);
            } else {
                px[i] = r;
                px[plane + i] = g;
                px[2 * plane + i] = b;
            }
        }
        return new DecodedImage("image-source", w, h, c, 8, px);
    }

    public static int indexOf(StructType schema, String column) {
        for (int i = 0; i < schema.fields().length; i++) {
            StructField f = schema.fields()[i];
            if (f.name().equals(column)) {
                return i;
            }
        }
        return -1;
    }
}
