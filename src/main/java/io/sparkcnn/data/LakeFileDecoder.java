package io.sparkcnn.data;

import io.sparkcnn.config.ImageConfig;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads and decodes a task's lake files, counting each one in a {@link LakeSummary}: a usable file as an
 * image of its split and label, a bad one (known bad from listing, unreadable or not decodable) with its
 * reason. One instance per task, like the reader and decoder it holds.
 */
public final class LakeFileDecoder {
    private final LakeFileReader reader;
    private final ImageDecoder decoder;
    private final LakeSummary summary;

    public LakeFileDecoder(Configuration conf, ImageConfig image) {
        this.reader = new LakeFileReader(conf);
        this.decoder = new ImageDecoder(image);
        this.summary = new LakeSummary(image.channels());
    }

    /** A decoded file and the bytes it was decoded from. */
    public record Decoded(DecodedImage image, byte[] bytes) {
    }

    /** The file's decoded image, already counted; null when the file is bad (counted with its reason). */
    public DecodedImage decode(LakeFile file) {
        Decoded d = decodeKeepingBytes(file);
        return d == null ? null : d.image();
    }

    /** {@link #decode}, with the file's bytes. */
    public Decoded decodeKeepingBytes(LakeFile file) {
        if (file.problem() != null) {
            summary.addBad(new BadFile(file.uri(), file.problem()));
            return null;
        }
        try {
            byte[] bytes = reader.read(file.uri());
            DecodedImage image = decoder.decode(bytes, file.uri());
            summary.addImage(file, image);
            return new Decoded(image, bytes);
        } catch (BadImageException e) {
            summary.addBad(new BadFile(file.uri(), e.getMessage()));
            return null;
        }
    }

    public LakeSummary summary() {
        return summary;
    }
}
