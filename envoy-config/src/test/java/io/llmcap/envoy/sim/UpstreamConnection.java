package io.llmcap.envoy.sim;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;

/**
 * A minimal HTTP/1.1 client for one upstream request, written so that each socket read of the response body
 * becomes one body event, as Envoy's codec hands one data callback per read to the filter chain.
 */
final class UpstreamConnection implements Closeable {

    record ResponseHead(int status, HeaderMap headers, boolean hasBody) {
    }

    private enum Framing { NONE, CHUNKED, LENGTH, UNTIL_CLOSE }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] leftover = new byte[0];
    private Framing framing = Framing.NONE;
    private long contentLength;

    private UpstreamConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static UpstreamConnection connect(InetSocketAddress address, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, (int) timeout.toMillis());
            return new UpstreamConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Writes the request; without content-length a body goes chunked, as Envoy's HTTP/1 encoder does. */
    void sendRequest(String method, String path, HeaderMap headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder().append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        boolean chunked = body != null && !headers.contains("content-length");
        for (HeaderMap.Entry e : headers.entries()) {
            head.append(e.name()).append(": ").append(e.value()).append("\r\n");
        }
        if (chunked) {
            head.append("transfer-encoding: chunked\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null && chunked) {
            if (body.length > 0) {
                out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    /** Reads the status line and headers (skipping 1xx); a zero timeout waits forever. */
    ResponseHead readHead(String requestMethod, Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        while (true) {
            String head = readHeadBlock();
            String[] lines = head.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
                throw new IOException("upstream sent an invalid status line");
            }
            int status = Integer.parseInt(statusLine[1]);
            HeaderMap headers = new HeaderMap();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
                }
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            socket.setSoTimeout(0);
            framing = framing(requestMethod, status, headers);
            return new ResponseHead(status, headers, framing != Framing.NONE);
        }
    }

    private Framing framing(String method, int status, HeaderMap headers) throws IOException {
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return Framing.NONE;
        }
        if (headers.get("transfer-encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false)) {
            return Framing.CHUNKED;
        }
        if (headers.contains("content-length")) {
            try {
                contentLength = Long.parseLong(headers.get("content-length").get());
            } catch (NumberFormatException e) {
                throw new IOException("upstream sent an invalid content-length");
            }
            return contentLength == 0 ? Framing.NONE : Framing.LENGTH;
        }
        return Framing.UNTIL_CLOSE;
    }

    private String readHeadBlock() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        byte[] pending = leftover;
        leftover = new byte[0];
        while (true) {
            int end = indexOf(pending, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (end >= 0) {
                head.write(pending, 0, end);
                leftover = java.util.Arrays.copyOfRange(pending, end + 4, pending.length);
                return head.toString(StandardCharsets.ISO_8859_1);
            }
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("upstream closed the connection before sending response headers");
            }
            byte[] joined = new byte[pending.length + n];
            System.arraycopy(pending, 0, joined, 0, pending.length);
            System.arraycopy(buffer, 0, joined, pending.length, n);
            pending = joined;
        }
    }

    /** Reads the body on {@code executor}, posting one event per socket read (bytes already there count as one). */
    void streamBody(Executor executor, BlockingQueue<StreamEvent> events) {
        executor.execute(() -> {
            ChunkedDecoder chunked = new ChunkedDecoder();
            long remaining = contentLength;
            byte[] buffer = new byte[16 * 1024];
            byte[] first = leftover;
            try {
                while (true) {
                    byte[] read;
                    if (first != null && first.length > 0) {
                        read = first;
                        first = null;
                    } else {
                        first = null;
                        int n = in.read(buffer);
                        if (n < 0) {
                            if (framing == Framing.UNTIL_CLOSE) {
                                events.add(new StreamEvent.UpstreamData(new byte[0], true));
                            } else {
                                events.add(new StreamEvent.UpstreamFailed("upstream closed the connection mid-body"));
                            }
                            return;
                        }
                        read = java.util.Arrays.copyOf(buffer, n);
                    }
                    if (framing == Framing.CHUNKED) {
                        ByteArrayOutputStream decoded = new ByteArrayOutputStream();
                        boolean done = chunked.feed(read, decoded);
                        if (decoded.size() > 0 || done) {
                            events.add(new StreamEvent.UpstreamData(decoded.toByteArray(), done));
                        }
                        if (done) {
                            return;
                        }
                    } else if (framing == Framing.LENGTH) {
                        int take = (int) Math.min(remaining, read.length);
                        remaining -= take;
                        events.add(new StreamEvent.UpstreamData(java.util.Arrays.copyOf(read, take), remaining == 0));
                        if (remaining == 0) {
                            return;
                        }
                    } else {
                        events.add(new StreamEvent.UpstreamData(read, false));
                    }
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    events.add(new StreamEvent.UpstreamFailed("upstream read failed: " + e.getMessage()));
                }
            }
        });
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a socket we are done with; nothing to recover.
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Incremental chunked transfer-coding decoder; trailers are read and dropped. */
    static final class ChunkedDecoder {
        private enum State { SIZE, DATA, DATA_END, TRAILER, DONE }

        private State state = State.SIZE;
        private long remaining;
        private final StringBuilder line = new StringBuilder();

        boolean feed(byte[] bytes, ByteArrayOutputStream out) throws IOException {
            int i = 0;
            while (i < bytes.length && state != State.DONE) {
                switch (state) {
                    case SIZE -> {
                        char c = (char) bytes[i++];
                        if (c == '\n') {
                            String size = line.toString().trim();
                            int ext = size.indexOf(';');
                            if (ext >= 0) {
                                size = size.substring(0, ext).trim();
                            }
                            try {
                                remaining = Long.parseLong(size, 16);
                            } catch (NumberFormatException e) {
                                throw new IOException("upstream sent an invalid chunk size '" + size + "'");
                            }
                            line.setLength(0);
                            state = remaining == 0 ? State.TRAILER : State.DATA;
                        } else {
                            line.append(c);
                        }
                    }
                    case DATA -> {
                        int n = (int) Math.min(remaining, bytes.length - i);
                        out.write(bytes, i, n);
                        i += n;
                        remaining -= n;
                        if (remaining == 0) {
                            state = State.DATA_END;
                        }
                    }
                    case DATA_END -> {
                        if (bytes[i++] == '\n') {
                            state = State.SIZE;
                        }
                    }
                    case TRAILER -> {
                        char c = (char) bytes[i++];
                        if (c == '\n') {
                            boolean empty = line.toString().trim().isEmpty();
                            line.setLength(0);
                            if (empty) {
                                state = State.DONE;
                            }
                        } else {
                            line.append(c);
                        }
                    }
                    default -> throw new IllegalStateException(state.name());
                }
            }
            return state == State.DONE;
        }
    }
}
