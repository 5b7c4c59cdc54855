package io.sparkcnn.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What counts as new data, which held-out files are scored and which old files are replayed. */
class RetrainSelectionTest {
    private static LakeFile file(String name, Split split, long length, long time) {
        return new LakeFile("file:/lake/" + name, name, name.substring(0, name.indexOf('/')), split, length, time, null);
    }

    private static final List<LakeFile> THEN = List.of(file("a/1.png", Split.TRAIN, 100, 1000),
            file("a/2.png", Split.HELD_OUT, 100, 1000), file("b/3.png", Split.TRAIN, 100, 1000),
            file("b/bad.txt", Split.TRAIN, 5, 1000).withProblem("not an image"));

    @Test
    void aSnapshotRoundTripsAndListsOnlyUsableFilesSorted() {
        String text = DataSnapshot.render(THEN);
        assertEquals(DataSnapshot.HEADER + "\nHELD_OUT\tfile:/lake/a/2.png\t100\t1000\n"
                + "TRAIN\tfile:/lake/a/1.png\t100\t1000\nTRAIN\tfile:/lake/b/3.png\t100\t1000\n", text);
        DataSnapshot s = DataSnapshot.parse(text, "v1/snapshot.tsv");
        assertEquals(3, s.size());
        assertEquals(1, s.heldOutCount());
        assertFalse(s.isNewOrChanged(THEN.get(0)));
    }

    @Test
    void aMalformedSnapshotNamesItsSourceAndLine() {
        DataException header = assertThrows(DataException.class, () -> DataSnapshot.parse("path\n", "reg/v2/snapshot.tsv"));
        assertTrue(header.getMessage().startsWith("reg/v2/snapshot.tsv: not a data snapshot"), header.getMessage());
        DataException line = assertThrows(DataException.class, () -> DataSnapshot.parse(DataSnapshot.HEADER
                + "\nTRAIN\tfile:/x\tten\t1\n", "reg/v2/snapshot.tsv"));
        assertTrue(line.getMessage().startsWith("reg/v2/snapshot.tsv line 2: "), line.getMessage());
    }

    @Test
    void anyByteAFileSystemAllowsInANameRoundTripsThroughTheSnapshot() {
        List<LakeFile> odd = List.of(file("a/tab\there.png", Split.TRAIN, 1, 2), file("a/new\nline.png", Split.TRAIN, 3, 4),
                file("a/back\\slash\\t.png", Split.HELD_OUT, 5, 6), file("a/cr\r.png", Split.TRAIN, 7, 8),
                file("a/\u00e9t\u00e9 \"q\".png", Split.TRAIN, 9, 10));
        String text = DataSnapshot.render(odd);
        assertEquals(odd.size() + 1, text.split("\n").length, "one line per file");
        DataSnapshot s = DataSnapshot.parse(text, "s");
        assertEquals(odd.size(), s.size());
        for (LakeFile f : odd) {
            assertFalse(s.isNewOrChanged(f), f.uri());
        }
        assertEquals(1, s.heldOutCount());
        assertTrue(s.heldOutThen(odd.get(2)));
    }

    @Test
    void aSnapshotWrittenBeforePathsWereEscapedIsRepairedWhenRead() {
        String raw = DataSnapshot.RAW_HEADER + "\nTRAIN\tfile:/lake/a/new\nline.png\t3\t4\n"
                + "TRAIN\tfile:/lake/a/tab\there.png\t1\t2\nTRAIN\tfile:/lake/a/back\\t.png\t5\t6\n";
        DataSnapshot s = DataSnapshot.parse(raw, "v1/snapshot.tsv");
        assertEquals(3, s.size());
        assertFalse(s.isNewOrChanged(file("a/new\nline.png", Split.TRAIN, 3, 4)));
        assertFalse(s.isNewOrChanged(file("a/tab\there.png", Split.TRAIN, 1, 2)));
        assertFalse(s.isNewOrChanged(file("a/back\\t.png", Split.TRAIN, 5, 6)), "raw paths are not unescaped");
    }

    @Test
    void aBadEscapeNamesTheLineAndSaysHowToRepair() {
        DataException e = assertThrows(DataException.class, () -> DataSnapshot.parse(DataSnapshot.HEADER
                + "\nTRAIN\tfile:/x\\q\t1\t1\n", "reg/v2/snapshot.tsv"));
        assertTrue(e.getMessage().startsWith("reg/v2/snapshot.tsv line 2: unknown escape \\q"), e.getMessage());
        assertTrue(e.getMessage().contains("deleting a broken line"), e.getMessage());
    }

    @Test
    void newAddedChangedFilesAreNewAndTheFrozenHeldOutIsTheSnapshots() {
        DataSnapshot then = DataSnapshot.parse(DataSnapshot.render(THEN), "s");
        RetrainSelection sel = new RetrainSelection(then, then, 1, 0);
        assertFalse(sel.isNewTraining(file("a/1.png", Split.TRAIN, 100, 1000)), "unchanged");
        assertTrue(sel.isNewTraining(file("a/1.png", Split.TRAIN, 100, 2000)), "modified after the snapshot");
        assertTrue(sel.isNewTraining(file("a/1.png", Split.TRAIN, 101, 1000)), "another size");
        assertTrue(sel.isNewTraining(file("a/9.png", Split.TRAIN, 100, 500)), "not there then");
        assertFalse(sel.isNewTraining(file("b/bad.txt", Split.TRAIN, 5, 1000).withProblem("x")),
                "a file the listing rejects is never new data");
        assertTrue(sel.selects(file("b/bad.txt", Split.TRAIN, 5, 1000).withProblem("x")),
                "but it is read, so the bad-file policy reports it");

        assertTrue(sel.isScored(file("a/2.png", Split.HELD_OUT, 100, 1000)));
        assertFalse(sel.isScored(file("a/8.png", Split.HELD_OUT, 100, 1000)), "new held-out: not in the frozen set");
        assertTrue(sel.isNewHeldOut(file("a/8.png", Split.HELD_OUT, 100, 1000)));
        assertTrue(new RetrainSelection(then, null, 1, 0).isScored(file("a/8.png", Split.HELD_OUT, 100, 1000)),
                "retrain.heldOut = current scores every held-out file");
    }

    @Test
    void theReplaySampleIsTheConfiguredShareOfOldFilesAndChangesWithTheVersion() {
        List<LakeFile> old = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            old.add(file("a/" + i + ".png", Split.TRAIN, 1, 1));
        }
        DataSnapshot then = DataSnapshot.parse(DataSnapshot.render(old), "s");
        RetrainSelection v2 = new RetrainSelection(then, null, RetrainSelection.replaySeed(42, 2), 0.25);
        RetrainSelection v3 = new RetrainSelection(then, null, RetrainSelection.replaySeed(42, 3), 0.25);
        long n2 = old.stream().filter(v2::isReplayed).count();
        long both = old.stream().filter(f -> v2.isReplayed(f) && v3.isReplayed(f)).count();
        assertTrue(n2 > 400 && n2 < 600, "about a quarter: " + n2);
        assertTrue(both > 60 && both < 190, "another share each version (about 1/16 in both): " + both);
        assertEquals(n2, old.stream().filter(new RetrainSelection(then, null, RetrainSelection.replaySeed(42, 2),
                0.25)::isReplayed).count(), "the same share when re-run");
        assertEquals(2000, old.stream().filter(new RetrainSelection(then, null, 1, 1.0)::isReplayed).count());
        assertEquals(0, old.stream().filter(new RetrainSelection(then, null, 1, 0.0)::isReplayed).count());
    }
}
