package io.sparkcnn.spark.lake;

import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.InputShape;
import org.apache.spark.api.java.JavaRDD;

/** A job's decoded, cached splits with what they need to be trained on: labels, shape, normalisation. */
public record PreparedData(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                           InputShape shape, Normalisation normalisation, LakeSummary summary, LakeListing listing) {
    public void release() {
        train.unpersist(false);
        heldOut.unpersist(false);
        listing.files().unpersist(false);
    }
}
