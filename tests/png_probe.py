# png_probe.py: PNG width, height and pixel statistics for the window tests, without image
# libraries (lib_window.sh's png). Usage: png_probe.py size|diff|diffr|count|countpx|mean ...
import struct, sys, zlib
def load(path):
    d = open(path, 'rb').read()
    assert d[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w = 8, b'', 0
    while pos < len(d):
        n, kind = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows
def region(img, fx0, fy0, fx1, fy1):
    w, h, bpp, rows = img
    for y in range(int(fy0 * h), int(fy1 * h), 2):
        for x in range(int(fx0 * w), int(fx1 * w), 2):
            yield rows[y][x * bpp:x * bpp + 3]
def count(img, colour, x0, y0, x1, y1):   # pixels within 40 of colour in a pixel rectangle
    w, h, bpp, rows = img
    c = list(map(int, colour))
    n = 0
    for y in range(y0, y1):
        for x in range(x0, x1):
            p = rows[y][x * bpp:x * bpp + 3]
            n += max(abs(p[0] - c[0]), abs(p[1] - c[1]), abs(p[2] - c[2])) <= 40
    return n
def mad(a, b, r):   # mean absolute difference 0..255 over region r, '255.0' for two sizes
    if a[:2] != b[:2]:
        return 255.0
    s = n = 0
    for p, q in zip(region(a, *r), region(b, *r)):
        s += abs(p[0] - q[0]) + abs(p[1] - q[1]) + abs(p[2] - q[2])
        n += 3
    return '%.3f' % (s / n)
cmd = sys.argv[1]
if cmd == 'size':
    w, h, _, _ = load(sys.argv[2])
    print('%dx%d' % (w, h))
elif cmd == 'diff':   # mean absolute difference (0..255) over the top 80% (toasts live below)
    print(mad(load(sys.argv[2]), load(sys.argv[3]), (0, 0, 1, 0.8)))
elif cmd == 'diffr':   # mean absolute difference over a region given as fractions x0 y0 x1 y1
    print(mad(load(sys.argv[2]), load(sys.argv[3]), list(map(float, sys.argv[4:8]))))
elif cmd == 'count':   # pixels within 40 of colour R G B in a region x0 y0 x1 y1 (every pixel)
    img = load(sys.argv[2])
    x0, y0, x1, y1 = map(float, sys.argv[6:10])
    w, h = img[0], img[1]
    print(count(img, sys.argv[3:6], int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)))
elif cmd == 'mean':   # mean brightness 0..255 of a region given as fractions x0 y0 x1 y1
    img = load(sys.argv[2])
    px = list(region(img, *map(float, sys.argv[3:7])))
    print('%.1f' % (sum(sum(p) for p in px) / (3 * len(px))))
elif cmd == 'countpx':   # the same in a pixel rectangle x0 y0 x1 y1
    print(count(load(sys.argv[2]), sys.argv[3:6], *map(int, sys.argv[6:10])))
