import ArgumentParser
import ControlProtocol
import FastPaths
import RouterOperations

extension Relayctl {
    struct FastPath: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fastpath", abstract: "Vendor fast paths that corrupt relaying: list, switch off, restore.",
            subcommands: [Status.self, Off.self, Restore.self])

        func run() throws { missingSubcommand(Self.self) }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List each known fast path and its state.")
            @OptionGroup var fastPaths: RootOptions
            @OptionGroup var saved: ConfigurationOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let reports = FastPaths.status(fastPaths.system.relaying(on: relayDevices(saved)))
                if output.json {
                    FileOutput.standardOutput(String(decoding: ControlJSON.encode(
                        FastPaths.StatusDocument(schemaVersion: JSONSchema.version, fastPaths: reports)), as: UTF8.self))
                    return
                }
                for report in reports {
                    let state = !report.present ? "not present"
                        : report.switchedOffByRelay ? "off (switched off by pppoe-relay, restored on disable)"
                        : report.on == true ? "on" : "off"
                    FileOutput.standardOutput("\(report.name): \(state)" + (report.note.map { " (\($0))" } ?? ""))
                }
            }
        }

        struct Off: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Switch off every fast path found on, saving what was found (enable does this).")
            @OptionGroup var fastPaths: RootOptions
            @OptionGroup var saved: ConfigurationOptions

            func run() throws {
                do {
                    let names = try FastPaths.switchOff(fastPaths.system.relaying(on: relayDevices(saved)))
                    if !names.isEmpty { ChangeLog.record("fastpath off", "switched off " + names.joined(separator: ", "), root: fastPaths.root) }
                    FileOutput.standardOutput(names.isEmpty ? "no fast path to switch off"
                                              : "switched off " + names.joined(separator: ", "))
                } catch { throw DaemonError.failure(error.description) }
            }
        }

        struct Restore: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Put back every fast path switched off, as it was found (disable does this).")
            @OptionGroup var fastPaths: RootOptions

            func run() throws {
                do {
                    let names = try FastPaths.restore(fastPaths.system)
                    if !names.isEmpty { ChangeLog.record("fastpath restore", "restored " + names.joined(separator: ", "), root: fastPaths.root) }
                    FileOutput.standardOutput(names.isEmpty ? "nothing to restore" : "restored " + names.joined(separator: ", "))
                } catch { throw DaemonError.failure(error.description) }
            }
        }
    }
}

/// The devices of the saved configuration, which flowtables are checked against (none if not enabled).
private func relayDevices(_ saved: ConfigurationOptions) -> [String] {
    guard let configuration = try? ConfigurationFile.load(saved.resolvedPath) else { return [] }
    return [configuration.wanInterface] + configuration.lanInterfaces
}
