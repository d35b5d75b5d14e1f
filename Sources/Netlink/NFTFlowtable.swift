import CMnl
import CNftnl
import JSON
import Libc

/// An nftables flowtable as the kernel lists it: enough to take devices out of it and put them
/// back (the hook and priority must be repeated when devices are added).
public struct NFTFlowtable: Sendable, Equatable, JSONObjectEncodable, JSONObjectDecodable {
    public var family: UInt32
    public var table: String
    public var name: String
    public var hook: UInt32
    public var priority: Int32
    public var devices: [String]

    public init(family: UInt32, table: String, name: String, hook: UInt32, priority: Int32, devices: [String]) {
        self.family = family
        self.table = table
        self.name = name
        self.hook = hook
        self.priority = priority
        self.devices = devices
    }

    /// As the fast-path state file keeps it, to put the devices back after a reboot.
    public init(from object: JSONObjectReader) throws(JSONError) {
        family = try object.read("family")
        table = try object.read("table")
        name = try object.read("name")
        hook = try object.read("hook")
        priority = try object.read("priority")
        devices = try object.read("devices")
    }

    public func encode(to object: inout JSONObjectWriter) throws(JSONError) {
        try object.write("family", family)
        try object.write("table", table)
        try object.write("name", name)
        try object.write("hook", hook)
        try object.write("priority", priority)
        try object.write("devices", devices)
    }

    /// A libnftnl object naming this flowtable with `devices` in its hook.
    func object(devices: [String]) -> OpaquePointer {
        let object = nftnl_flowtable_alloc()!
        nftnl_flowtable_set_str(object, c16(NFTNL_FLOWTABLE_TABLE), table)
        nftnl_flowtable_set_str(object, c16(NFTNL_FLOWTABLE_NAME), name)
        nftnl_flowtable_set_u32(object, c16(NFTNL_FLOWTABLE_FAMILY), family)
        nftnl_flowtable_set_u32(object, c16(NFTNL_FLOWTABLE_HOOKNUM), hook)
        nftnl_flowtable_set_s32(object, c16(NFTNL_FLOWTABLE_PRIO), priority)
        var names = devices.map { UnsafePointer(strdup($0)) } + [nil]
        defer { names.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        names.withUnsafeMutableBufferPointer { _ = nftnl_flowtable_set_array(object, c16(NFTNL_FLOWTABLE_DEVICES), $0.baseAddress) }
        return object
    }
}

extension NFTBatch {
    /// Takes `devices` out of a flowtable, leaving it and its other devices in place.
    public mutating func removeDevices(_ devices: [String], from flowtable: NFTFlowtable) {
        let object = flowtable.object(devices: devices)
        defer { nftnl_flowtable_free(object) }
        message(c32(NFT_MSG_DELFLOWTABLE), family: flowtable.family, flags: 0,
                "remove \(devices.joined(separator: ",")) from flowtable \(flowtable.table)/\(flowtable.name)") {
            nftnl_flowtable_nlmsg_build_payload($0, object)
        }
    }

    /// Puts `devices` back into an existing flowtable.
    public mutating func addDevices(_ devices: [String], to flowtable: NFTFlowtable) {
        let object = flowtable.object(devices: devices)
        defer { nftnl_flowtable_free(object) }
        message(c32(NFT_MSG_NEWFLOWTABLE), family: flowtable.family, flags: NLM_F_CREATE,
                "add \(devices.joined(separator: ",")) to flowtable \(flowtable.table)/\(flowtable.name)") {
            nftnl_flowtable_nlmsg_build_payload($0, object)
        }
    }
}

extension NetfilterSocket {
    /// Every flowtable in every family. A kernel without flowtables lists none.
    public mutating func flowtables() throws(NetlinkError) -> [NFTFlowtable] {
        var result: [NFTFlowtable] = []
        try dump(c32(NFT_MSG_GETFLOWTABLE), "list flowtables") { header in
            guard let object = nftnl_flowtable_alloc() else { return }
            defer { nftnl_flowtable_free(object) }
            guard nftnl_flowtable_nlmsg_parse(header, object) >= 0 else { return }
            var devices: [String] = []
            if let array = nftnl_flowtable_get_array(object, c16(NFTNL_FLOWTABLE_DEVICES)) {
                var i = 0
                while let device = array[i] {
                    devices.append(String(cString: device))
                    i += 1
                }
            }
            result.append(NFTFlowtable(
                family: nftnl_flowtable_get_u32(object, c16(NFTNL_FLOWTABLE_FAMILY)),
                table: String(cString: nftnl_flowtable_get_str(object, c16(NFTNL_FLOWTABLE_TABLE))),
                name: String(cString: nftnl_flowtable_get_str(object, c16(NFTNL_FLOWTABLE_NAME))),
                hook: nftnl_flowtable_get_u32(object, c16(NFTNL_FLOWTABLE_HOOKNUM)),
                priority: nftnl_flowtable_get_s32(object, c16(NFTNL_FLOWTABLE_PRIO)), devices: devices))
        }
        return result
    }
}
