// A small string inside an optional struct that comes back out of an array: the shape in which
// Embedded Swift 6.3's runtime, on 64-bit targets, hands back a retained string with its
// discriminator bits masked off (swift_bridgeObjectRetain; see Sources/CLibc/CLibc.c). Built with
// -Osize for aarch64 it crashes reading the name, or prints it, depending on whose
// swift_bridgeObjectRetain it is linked with. lab/embedded/check-runtime builds and runs it.

struct Hardware: Equatable { let value: UInt64 }

struct Offer {
    var from: Hardware
    var cookie: Int?
    var name: String
    var expires: Int64
}

struct Request {
    var offers: [Offer] = []
}

struct Requests {
    var records: [Request?] = [nil, nil]

    @inline(never) mutating func note(_ name: [UInt8], from: Hardware) {
        var record = records[1] ?? Request()
        record.offers.append(Offer(from: from, cookie: nil, name: String(decoding: name, as: UTF8.self), expires: 10))
        records[1] = record
    }

    @inline(never) func offer(at index: Int, from: Hardware) -> Offer? {
        records[index]?.offers.last { $0.from == from }
    }
}

@inline(never) func fallback() -> String? { nil }

@main struct StringRetain {
    static func main() {
        var requests = Requests()
        requests.note(Array("LabAC".utf8), from: Hardware(value: 5))
        let offer = requests.offer(at: 1, from: Hardware(value: 5))
        let name = offer?.name ?? fallback() ?? ""
        var copy = ""
        for scalar in name.unicodeScalars { copy.unicodeScalars.append(scalar) }
        print("name \(copy)")
    }
}
