package io.sparkcnn.serve;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.model.Occlusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An uploaded image classified: decoded on the handler's thread exactly as training decoded (the same decoder,
 * the model's input size, its normalisation applied by the classifier), then queued for inference; answered,
 * once inference is done, with the top-k labels and their probabilities.
 */
final class Classify {
    /** A decoder per handler thread and image setting (a decoder keeps ImageIO readers and is not thread-safe). */
    private final ThreadLocal<Map<ImageConfig, ImageDecoder>> decoders = ThreadLocal.withInitial(LinkedHashMap::new);
    private final Batcher batcher;
    private final int topK;

    Classify(Batcher batcher, int topK) {
        this.batcher = batcher;
        this.topK = topK;
    }

    /** An image's occlusion saliency for its top class, computed with the model that classified it. */
    record Explained(Batcher.Answer answer, float[] pixels, float[] saliency) {
        Map<String, Object> json() {
            ServedModel m = answer.model();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_name", m.name());
            out.put("model_version", m.version());
            out.put("label", answer.prediction().label());
            out.put("probability", answer.prediction().confidence());
            out.put("method", "occlusion: the drop in the label's probability when a grey square covers each pixel");
            out.put("patch", Occlusion.patch(m.model().shape()));
            out.put("shape", List.of(m.model().shape().height(), m.model().shape().width()));
            out.put("saliency", saliency);
            return out;
        }

        byte[] png() {
            io.sparkcnn.model.InputShape shape = answer.model().model().shape();
            return io.sparkcnn.eval.SaliencyOverlay.png(pixels, saliency, shape.channels(), shape.height(),
                    shape.width(), 224);
        }
    }

    CompletableFuture<Explained> explain(byte[] body, String contentType, ServedModel model, String version) {
        DecodedImage decoded = decode(body, contentType, model);
        // One request: the image and its occluded copies are classified by the same model, in one batch.
        return batcher.submit(Occlusion.withOccluded(decoded.pixels(), model.model().shape()), version)
                .thenApply(answers -> new Explained(answers.get(0), decoded.pixels(), Occlusion.saliency(
                        answers.stream().map(Batcher.Answer::prediction).toList(),
                        answers.get(0).model().model().shape())));
    }

    private DecodedImage decode(byte[] body, String contentType, ServedModel model) {
        if (body.length == 0) {
            throw new HttpError(400, "empty body: send an image (Content-Type image/*) or a multipart/form-data "
                    + "upload");
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        byte[] image = type.startsWith("multipart/form-data") ? Multipart.firstFile(body, contentType) : body;
        try {
            return decoder(model.image()).decode(image, "upload");
        } catch (BadImageException e) {
            throw new HttpError(400, "not a usable image: " + e.getMessage());
        }
    }

    CompletableFuture<Map<String, Object>> answer(byte[] body, String contentType, ServedModel model, String version,
                                                  Batcher.Arrival arrival) {
        DecodedImage decoded = decode(body, contentType, model);
        arrival.close();
        return batcher.submit(List.of(decoded.pixels()), version).thenApply(answers -> {
            Batcher.Answer answer = answers.get(0);
            List<Map<String, Object>> top = new ArrayList<>();
            String[] labels = answer.prediction().topLabels();
            double[] p = answer.prediction().topProbabilities();
            for (int i = 0; i < Math.min(topK, labels.length); i++) {
                top.add(Map.of("label", labels[i], "probability", p[i]));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_name", answer.model().name());
            out.put("model_version", answer.model().version());
            out.put("label", answer.prediction().label());
            out.put("predictions", top);
            out.put("image", Map.of("format", decoded.format(), "width", decoded.sourceWidth(), "height",
                    decoded.sourceHeight()));
            return out;
        });
    }

    private ImageDecoder decoder(ImageConfig image) {
        Map<ImageConfig, ImageDecoder> mine = decoders.get();
        if (mine.size() > 4) {
            mine.clear();
        }
        return mine.computeIfAbsent(image, ImageDecoder::new);
    }
}
