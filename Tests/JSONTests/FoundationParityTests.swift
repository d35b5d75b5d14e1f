#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSON
import XCTest

/// The writer against Foundation's JSONEncoder, which it replaced: the same bytes for the same
/// value, in every format relayctl uses, over random strings, integers, doubles and nesting.
final class FoundationParityTests: XCTestCase {
    /// A value both encoders can write: the JSON module through JSONEncodable, Foundation
    /// through Encodable.
    indirect enum Sample: Encodable, JSONEncodable {
        case string(String), int(Int64), uint(UInt64), double(Double), bool(Bool), null
        case array([Sample]), object([String: Sample])

        func encode(to encoder: any Encoder) throws {
            switch self {
            case let .array(elements):
                var container = encoder.unkeyedContainer()
                for element in elements { try container.encode(element) }
            case let .object(members):
                try members.encode(to: encoder)
            default:
                var container = encoder.singleValueContainer()
                switch self {
                case let .string(text): try container.encode(text)
                case let .int(value): try container.encode(value)
                case let .uint(value): try container.encode(value)
                case let .double(value): try container.encode(value)
                case let .bool(flag): try container.encode(flag)
                default: try container.encodeNil()
                }
            }
        }

        func jsonValue() throws(JSONError) -> JSONValue {
            switch self {
            case let .string(text): text.jsonValue()
            case let .int(value): value.jsonValue()
            case let .uint(value): value.jsonValue()
            case let .double(value): try value.jsonValue()
            case let .bool(flag): flag.jsonValue()
            case .null: .null
            case let .array(elements): try elements.jsonValue()
            case let .object(members): try members.jsonValue()
            }
        }
    }

    private func foundation(_ value: some Encodable, _ options: JSONEncoder.OutputFormatting) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = options
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func ours(_ value: some JSONEncodable, _ format: JSONFormat) throws -> String {
        String(decoding: try JSON.encode(value, format: format), as: UTF8.self)
    }

    private let formats: [(JSONEncoder.OutputFormatting, JSONFormat)] = [
        ([.sortedKeys, .prettyPrinted], .document),
        ([.sortedKeys], .line),
        ([.sortedKeys, .prettyPrinted, .withoutEscapingSlashes], JSONFormat(sortedKeys: true, prettyPrinted: true, escapesSlashes: false)),
    ]

    private func assertSame(_ sample: Sample, file: StaticString = #filePath, line: UInt = #line) throws {
        for (options, format) in formats {
            XCTAssertEqual(try ours(sample, format), try foundation(sample, options), file: file, line: line)
        }
    }

    func testFixedCasesMatchByteForByte() throws {
        try assertSame(.object([:]))
        try assertSame(.array([]))
        try assertSame(.array([.array([]), .object([:]), .array([.object(["a": .array([])])])]))
        try assertSame(.object(["a/b": .string("a/b\"\\\u{0}\u{1F}\u{7F}\u{80}é\u{2028}\t\n\r\u{8}\u{C}</script>"),
                                "": .null, "B": .bool(true), "a": .bool(false), "a10": .int(1), "a9": .int(2),
                                "ä": .int(3), "\u{FFFF}": .int(4), "\u{10000}": .int(5), "😀": .string("😀")]))
        try assertSame(.array([.int(.min), .int(.max), .uint(.max), .uint(0), .int(-1)]))
        try assertSame(.array([0.0, -0.0, 1, 1.5, 1e20, 1e21, 1e-7, 1e-6, 123456789012345680, .leastNonzeroMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.1, 100, 1e16, 1e15, 12345678.9,
                               2.5e-5, 1e300, -1e-300, .pi, 9007199254740992].map(Sample.double)))
    }

    /// Every integer width, at its extremes, as a struct field would write it.
    func testIntegersOfEveryWidth() throws {
        func check<T: FixedWidthInteger & Encodable & JSONEncodable>(_ type: T.Type) throws {
            for value in [T.min, T.max, 0, T(truncatingIfNeeded: 1), T.max / 3] {
                XCTAssertEqual(try ours([value], .document), try foundation([value], [.sortedKeys, .prettyPrinted]))
            }
        }
        try check(Int.self); try check(Int8.self); try check(Int16.self); try check(Int32.self); try check(Int64.self)
        try check(UInt.self); try check(UInt8.self); try check(UInt16.self); try check(UInt32.self); try check(UInt64.self)
    }

    func testRandomDocumentsMatchByteForByte() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            try assertSame(randomSample(depth: 0, &generator))
        }
    }

    func testRandomDoublesMatch() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = []
        for _ in 0..<2000 {
            let bits = generator.next() as UInt64
            let value = Double(bitPattern: bits)
            if value.isFinite { values.append(value) }
            values.append(Double(Int64.random(in: -1_000_000...1_000_000, using: &generator)) / 1000)
        }
        XCTAssertEqual(try ours(values.map(Sample.double), .line), try foundation(values.map(Sample.double), [.sortedKeys]))
    }

    func testNonFiniteDoublesAreRefusedAsFoundationRefusesThem() {
        for value in [Double.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try foundation([value], [.sortedKeys]))
            XCTAssertThrowsError(try JSON.encode(["x": [value]])) { error in
                XCTAssertEqual((error as? JSONError)?.kind, .unrepresentable)
                XCTAssertEqual((error as? JSONError)?.path, "x[0]")
            }
        }
    }

    /// A random string over all of Unicode, weighted towards what needs escaping.
    static func randomString(_ generator: inout SystemRandomNumberGenerator) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            let scalar: Unicode.Scalar
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: scalar = Unicode.Scalar(UInt8.random(in: 0..<0x20, using: &generator))
            case 1: scalar = ["\"", "\\", "/", "\u{7F}", "\u{80}", "\u{9B}", "\u{2028}", "\u{202E}", "\u{FEFF}"]
                .randomElement(using: &generator)!
            case 2: scalar = Unicode.Scalar(UInt8.random(in: 0x20..<0x7F, using: &generator))
            default:
                var candidate: Unicode.Scalar?
                while candidate == nil { candidate = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &generator)) }
                scalar = candidate!
            }
            text.unicodeScalars.append(scalar)
        }
        return text
    }

    private func randomSample(depth: Int, _ generator: inout SystemRandomNumberGenerator) -> Sample {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &generator) {
        case 0: return .string(Self.randomString(&generator))
        case 1: return .int(Int64.random(in: .min ... .max, using: &generator) >> UInt64.random(in: 0...63, using: &generator))
        case 2: return .uint(UInt64.random(in: 0 ... .max, using: &generator))
        case 3:
            let value = Double(bitPattern: generator.next())
            return .double(value.isFinite ? value : 0)
        case 4: return .bool(Bool.random(using: &generator))
        case 5: return .null
        case 6: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomSample(depth: depth + 1, &generator) })
        default:
            var members: [String: Sample] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                members[Self.randomString(&generator)] = randomSample(depth: depth + 1, &generator)
            }
            return .object(members)
        }
    }
}
