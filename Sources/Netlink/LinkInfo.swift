import CMnl
import Libc

/// What the relay needs of a network device: where to bind, which MAC to speak with.
public struct LinkInfo: Equatable, Sendable {
    public let index: Int32
    public let name: String
    /// The device's hardware address; empty for devices without one.
    public let hardwareAddress: [UInt8]
    public let mtu: UInt32
    /// Administratively up (IFF_UP).
    public let isUp: Bool
    /// RFC 2863 operational state as the kernel reports it (IFLA_OPERSTATE): whether the device
    /// can pass frames, which "exists" and IFF_UP do not say.
    public let operationalState: OperationalState
    /// Whether the device has a link (IFLA_CARRIER); nil where the kernel did not say.
    public let carrier: Bool?

    public init(index: Int32, name: String, hardwareAddress: [UInt8], mtu: UInt32, isUp: Bool,
                operationalState: OperationalState = .unknown, carrier: Bool? = nil) {
        self.index = index
        self.name = name
        self.hardwareAddress = hardwareAddress
        self.mtu = mtu
        self.isUp = isUp
        self.operationalState = operationalState
        self.carrier = carrier
    }

    /// The values of IF_OPER_* (linux/if.h), named as /sys/class/net/DEV/operstate names them.
    public enum OperationalState: UInt8, Sendable, CustomStringConvertible {
        case unknown = 0, notPresent, down, lowerLayerDown, testing, dormant, up

        public var description: String {
            switch self {
            case .unknown: "unknown"
            case .notPresent: "notpresent"
            case .down: "down"
            case .lowerLayerDown: "lowerlayerdown"
            case .testing: "testing"
            case .dormant: "dormant"
            case .up: "up"
            }
        }
    }

    /// Collects the attributes of one RTM_NEWLINK answer from libmnl's C callbacks.
    struct Builder {
        var index: Int32?
        var name = ""
        var address: [UInt8] = []
        var mtu: UInt32 = 0
        var flags: UInt32 = 0
        var operationalState: UInt8 = 0
        var carrier: Bool?

        func build() -> LinkInfo? {
            guard let index else { return nil }
            return LinkInfo(index: index, name: name, hardwareAddress: address, mtu: mtu,
                            isUp: flags & UInt32(IFF_UP) != 0,
                            operationalState: OperationalState(rawValue: operationalState) ?? .unknown, carrier: carrier)
        }

        static let messageCallback: mnl_cb_t = { header, data in
            guard let header, let data else { return MNL_CB_ERROR }
            let builder = data.assumingMemoryBound(to: Builder.self)
            guard header.pointee.nlmsg_type == UInt16(RTM_NEWLINK) else { return MNL_CB_OK }
            let info = mnl_nlmsg_get_payload(header)!.assumingMemoryBound(to: ifinfomsg.self)
            builder.pointee.index = info.pointee.ifi_index
            builder.pointee.flags = info.pointee.ifi_flags
            mnl_attr_parse(header, UInt32(MemoryLayout<ifinfomsg>.size), attributeCallback, data)
            return MNL_CB_OK
        }

        static let attributeCallback: mnl_attr_cb_t = { attribute, data in
            guard let attribute, let data else { return MNL_CB_ERROR }
            let builder = data.assumingMemoryBound(to: Builder.self)
            let payload = mnl_attr_get_payload(attribute)!
            let length = Int(mnl_attr_get_payload_len(attribute))
            switch Int(mnl_attr_get_type(attribute)) {
            case Int(IFLA_IFNAME):
                builder.pointee.name = String(cString: payload.assumingMemoryBound(to: CChar.self))
            case Int(IFLA_ADDRESS):
                builder.pointee.address = Array(UnsafeRawBufferPointer(start: payload, count: length))
            case Int(IFLA_MTU) where length == 4:
                builder.pointee.mtu = mnl_attr_get_u32(attribute)
            case Int(IFLA_OPERSTATE) where length == 1:
                builder.pointee.operationalState = mnl_attr_get_u8(attribute)
            case Int(IFLA_CARRIER) where length == 1:
                builder.pointee.carrier = mnl_attr_get_u8(attribute) != 0
            default:
                break
            }
            return MNL_CB_OK
        }
    }
}
