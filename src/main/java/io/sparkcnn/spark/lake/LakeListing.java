package io.sparkcnn.spark.lake;

import io.sparkcnn.data.BadFile;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.Split;
import org.apache.spark.api.java.JavaRDD;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The files of a job's lakes (training and held-out, already split), the label folders that exist (so a
 * folder without usable images still shows with a zero count) and the label folders that hold no file
 * at all, which are bad entries in their own right.
 */
public record LakeListing(JavaRDD<LakeFile> files, Map<Split, Set<String>> labelFolders,
                          List<BadFile> emptyLabelFolders) {
}
