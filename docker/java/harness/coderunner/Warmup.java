package coderunner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Run once while the image is built, so that the class-data-sharing archive holds the
 * classes a typical test loads (the harness, collections, lambdas, strings). */
final class Warmup {
    private Warmup() {}

    static List<Integer> evens(int[] values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) {
            if (v % 2 == 0) {
                out.add(v);
            }
        }
        return out;
    }

    public static void main(String[] args) {
        Harness.run(args, "Warmup.java", index -> index == 0
            ? evens(new int[] {1, 2, 3, 4})
            : Arrays.asList("a", "b\n", 1.5, 'c', new int[][] {{1}}, List.of(1L, 2L), evens(new int[] {2})));
    }
}
