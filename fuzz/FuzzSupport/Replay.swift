#if canImport(Glibc)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#endif

/// What a fuzz executable does when it is built without libFuzzer: runs every file given (or
/// every file in a directory given) through the same entry point, so the corpus and saved
/// crashes replay in a plain debug build. Exits 0 when every input passed; a broken invariant
/// traps as it does under the fuzzer.
public func replay(arguments: [String], name: String, _ testOneInput: ([UInt8]) -> Void) -> Never {
    guard !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") }) else {
        print("usage: \(name) FILE|DIR...   (replays inputs; scripts/fuzz builds the libFuzzer driver)")
        exit(2)
    }
    var count = 0
    for path in arguments.flatMap(filesUnder) {
        guard let input = readFile(path) else {
            print("\(name): cannot read \(path)")
            exit(1)
        }
        // Named before it runs (on unbuffered stderr): a broken invariant traps, and then this
        // line says which input it was.
        let line = Array("\(name): \(path)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        testOneInput(input)
        count += 1
    }
    print("\(name): \(count) inputs replayed, every invariant held")
    exit(0)
}

/// A directory's regular files, sorted, or the path itself when it is not a directory.
private func filesUnder(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [path] }
    defer { closedir(directory) }
    var files: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard !name.hasPrefix(".") else { continue }
        files.append(path + "/" + name)
    }
    return files.sorted()
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let read = fread(&chunk, 1, chunk.count, file)
        bytes += chunk[0..<read]
        if read < chunk.count { return ferror(file) == 0 ? bytes : nil }
    }
}
