package coderunner;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The function-mode harness: one JVM runs one test. Mirrored by
 * coderunner.languages.java (toolchain.py for the command line and exit codes, judge.py
 * for the report).
 *
 * <p>{@code main(nonce, index)} of the generated class calls {@link #run}, which takes
 * the nonce out of the process's command line before any of the user's code runs (the
 * nonce lives on in this method's stack only: no field holds it, so reflection cannot
 * reach it), calls test {@code index}, renders what came back in the shared literal
 * syntax and writes {@code nonce \n kind \n payload} once on fd 3, then halts: the
 * user's shutdown hooks and threads never run after the report. A process that exits
 * or halts before that writes no report, and a report without the nonce is worthless.
 */
public final class Harness {
    public static final int EXIT_RAISED = 1;
    public static final int EXIT_MEMORY = 90;
    private static final int MAX_RENDERED = 4 * 1024 * 1024 - 1024;
    private static final String REPORT = "/proc/self/fd/3";

    /** One test: a call into the user's code, returning what it returned (boxed). */
    @FunctionalInterface
    public interface Call {
        Object call(int index) throws Throwable;
    }

    private Harness() {}

    public static void run(String[] args, String userFile, Call tests) {
        String nonce = args.length > 0 ? args[0] : "";
        int index = args.length > 1 ? Integer.parseInt(args[1]) : -1;
        for (int i = 0; i < args.length; i++) {
            args[i] = "";
        }
        System.clearProperty("sun.java.command");
        scrubCommandLine(nonce);
        FileOutputStream report;
        try {
            report = new FileOutputStream(REPORT);
        } catch (IOException exc) {
            System.err.println("coderunner: no report channel: " + exc);
            Runtime.getRuntime().halt(EXIT_RAISED);
            return;
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        String kind;
        String payload;
        int exit = 0;
        try {
            Object returned = tests.call(index);
            StringBuilder text = new StringBuilder();
            if (render(returned, text, 0)) {
                kind = "value";
                payload = text.toString();
            } else {
                kind = "not_plain";
                payload = text.toString();
            }
        } catch (StackOverflowError | OutOfMemoryError exc) {
            kind = "memory";
            payload = exc.getClass().getName();
            exit = EXIT_MEMORY;
        } catch (Throwable exc) {
            kind = "raised";
            payload = describe(exc);
            err.print(trimmedTrace(exc, userFile));
            exit = EXIT_RAISED;
        }
        out.flush();
        err.flush();
        byte[] data = (nonce + "\n" + kind + "\n" + payload).getBytes(StandardCharsets.UTF_8);
        try {
            report.write(data);
            report.flush();
        } catch (IOException exc) {
            // The user's code closed the channel: no report, and the test is not passed.
        }
        Runtime.getRuntime().halt(exit);
    }

    /** Overwrite the nonce in this process's argv memory (what /proc/self/cmdline shows). */
    private static void scrubCommandLine(String nonce) {
        if (nonce.isEmpty()) {
            return;
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long start = Long.parseLong(fields[45]);
            long end = Long.parseLong(fields[46]);
            byte[] secret = nonce.getBytes(StandardCharsets.ISO_8859_1);
            try (RandomAccessFile memory = new RandomAccessFile("/proc/self/mem", "rw")) {
                byte[] argv = new byte[(int) (end - start)];
                memory.seek(start);
                memory.readFully(argv);
                for (int i = 0; i + secret.length <= argv.length; i++) {
                    if (java.util.Arrays.equals(argv, i, i + secret.length, secret, 0, secret.length)) {
                        memory.seek(start + i);
                        memory.write("0".repeat(secret.length).getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
            }
        } catch (IOException | RuntimeException exc) {
            System.err.println("coderunner: cannot hide the test's secret: " + exc);
            Runtime.getRuntime().halt(EXIT_RAISED);
        }
    }

    /** The exception's class and message, never its (user-defined) toString. */
    private static String describe(Throwable exc) {
        String message = exc.getMessage();
        return exc.getClass().getName() + (message == null ? "" : ": " + message);
    }

    /** The stack trace with only the frames of the user's own file (and its causes). */
    static String trimmedTrace(Throwable exc, String userFile) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = exc; t != null && text.length() < 64 * 1024; t = t.getCause() == t ? null : t.getCause()) {
            text.append(t == exc ? "" : "Caused by: ").append(describe(t)).append('\n');
            for (StackTraceElement frame : t.getStackTrace()) {
                if (userFile.equals(frame.getFileName())) {
                    text.append("\tat ").append(frame).append('\n');
                }
            }
        }
        return text.toString();
    }

    /**
     * Render a returned value as a literal: numbers, booleans, chars, strings, null,
     * arrays and lists of them. Only JDK types whose text cannot lie are rendered; any
     * other object makes this false, with its class name in {@code text}.
     */
    static boolean render(Object value, StringBuilder text, int depth) {
        if (text.length() > MAX_RENDERED || depth > 100) {
            text.setLength(0);
            text.append("a value too large or too deeply nested to report");
            return false;
        }
        if (value == null) {
            text.append("null");
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof Boolean
                || value instanceof java.math.BigInteger) {
            text.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            text.append(Double.isFinite(number) ? value.toString() : "\"" + value + "\"");
        } else if (value instanceof Character) {
            text.append('\'');
            escape((Character) value, '\'', text);
            text.append('\'');
        } else if (value instanceof String) {
            text.append('"');
            ((String) value).codePoints().forEach(c -> escape(c, '"', text));
            text.append('"');
        } else if (value.getClass().isArray()) {
            text.append('[');
            int length = Array.getLength(value);
            for (int i = 0; i < length; i++) {
                text.append(i == 0 ? "" : ", ");
                if (!render(Array.get(value, i), text, depth + 1)) {
                    return false;
                }
            }
            text.append(']');
        } else if (value instanceof List<?> && value.getClass().getName().startsWith("java.util.")) {
            // JDK lists only: a user's List could make its own elements up as it is read.
            Object[] items = new ArrayList<>((List<?>) value).toArray();
            return render(items, text, depth);
        } else {
            text.setLength(0);
            String what = value instanceof Map<?, ?> ? "a map (maps cannot be compared yet)" : "an object";
            text.append("returned ").append(what).append(" of class ").append(value.getClass().getName())
                .append("; only numbers, booleans, chars, strings, arrays and lists can be compared");
            return false;
        }
        return true;
    }

    /** Escapes as the shared literal grammar reads them; a lone surrogate stays unreadable. */
    private static void escape(int c, char quote, StringBuilder text) {
        if (c == quote || c == '\\') {
            text.append('\\').appendCodePoint(c);
        } else if (c == '\n') {
            text.append("\\n");
        } else if (c == '\t') {
            text.append("\\t");
        } else if (c == '\r') {
            text.append("\\r");
        } else if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
            text.append(String.format("\\u%04x", c));
        } else {
            text.appendCodePoint(c);
        }
    }
}
