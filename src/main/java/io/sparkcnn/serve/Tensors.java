package io.sparkcnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkcnn.model.InputShape;

import java.util.ArrayList;
import java.util.List;

/** Reads an Open Inference Protocol input tensor of decoded pixels into images, checking it against the model. */
final class Tensors {
    private Tensors() {
    }

    static List<float[]> images(JsonNode tensor, ServedModel model) {
        InputShape input = model.model().shape();
        String expected = "[N, " + input.channels() + ", " + input.height() + ", " + input.width() + "]";
        JsonNode datatype = tensor.get("datatype");
        if (datatype == null || !(datatype.asText().equals("FP32") || datatype.asText().equals("FP64"))) {
            throw new HttpError(400, "datatype " + (datatype == null ? "(none)" : "\"" + datatype.asText() + "\"")
                    + " is not supported: send FP32 (or FP64) pixels in [0, 1]");
        }
        JsonNode shapeNode = tensor.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new HttpError(400, "the input has no \"shape\"; the model takes " + expected);
        }
        List<Long> shape = new ArrayList<>();
        for (JsonNode d : shapeNode) {
            if (!d.canConvertToLong() || d.asLong() < 1) {
                throw new HttpError(400, "shape " + shapeNode + " holds something that is not a positive integer");
            }
            shape.add(d.asLong());
        }
        if (shape.size() == 3) {
            shape.add(0, 1L);
        }
        if (shape.size() != 4 || shape.get(1) != input.channels() || shape.get(2) != input.height()
                || shape.get(3) != input.width()) {
            throw new HttpError(400, "shape " + shapeNode + " does not fit the model's input " + expected);
        }
        long n = shape.get(0);
        int size = input.size();
        if (n * size > Integer.MAX_VALUE - 8) {
            throw new HttpError(400, "shape " + shapeNode + " is too large");
        }
        JsonNode data = tensor.get("data");
        if (data == null || !data.isArray()) {
            throw new HttpError(400, "the input has no \"data\" array");
        }
        float[] flat = new float[(int) (n * size)];
        int count = flatten(data, flat, 0);
        if (count != flat.length) {
            throw new HttpError(400, "data holds " + count + " values; shape " + shapeNode + " needs " + flat.length);
        }
        List<float[]> images = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            images.add(java.util.Arrays.copyOfRange(flat, i * size, (i + 1) * size));
        }
        return images;
    }

    /** Copies nested or flat numbers in row-major order; returns how many there were (stops counting past the end). */
    private static int flatten(JsonNode node, float[] into, int at) {
        for (JsonNode v : node) {
            if (v.isArray()) {
                at = flatten(v, into, at);
            } else if (v.isNumber() && Double.isFinite(v.asDouble())) {
                if (at < into.length) {
                    into[at] = (float) v.asDouble();
                }
                at++;
            } else {
                throw new HttpError(400, "data holds " + v + ", which is not a finite number");
            }
        }
        return at;
    }
}
