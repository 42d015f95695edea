import Foundation
import Synchronization
import Testing

@testable import PruneTUI

#if canImport(Glibc)
import Glibc
#endif

/// The busy watchdog on a real thread, reading a pipe in place of the
/// terminal: it reads only while the UI thread is away, quits on q (when q
/// quits) and Ctrl-C, and hands every other byte back.
@Suite(.serialized) struct BusyWatchdogTests {
    /// A pipe, a watchdog reading its read end, and what the watchdog's quit saw.
    final class Rig: Sendable {
        let readFD: Int32
        let writeFD: Int32
        /// What the watchdog's quit was called with.
        let quitsRef: Recorder
        let watchdog: BusyWatchdog

        init(patience: Double = 0.05) {
            var fds: [Int32] = [-1, -1]
            _ = pipe(&fds)
            readFD = fds[0]
            writeFD = fds[1]
            let recorder = Recorder()
            quitsRef = recorder
            watchdog = BusyWatchdog(patience: patience, input: fds[0]) { status, message in recorder.record(status, message) }
            watchdog.start()
        }

        func type(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBufferPointer { write(writeFD, $0.baseAddress, $0.count) }
        }

        var unread: Int32 {
            var n: Int32 = 0
            _ = ioctl(readFD, UInt(FIONREAD), &n)
            return n
        }

        deinit {
            watchdog.stop()
            close(writeFD)
            // The watchdog's thread may sit in poll on readFD for up to 50 ms.
            usleep(120_000)
            close(readFD)
        }
    }

    final class Recorder: Sendable {
        let calls = Mutex<[(status: Int32, message: String)]>([])
        func record(_ status: Int32, _ message: String) { calls.withLock { $0.append((status, message)) } }
        var first: (status: Int32, message: String)? { calls.withLock { $0.first } }
    }

    /// Waits (generously) for the watchdog to quit; nil if it never did.
    static func waitForQuit(_ rig: Rig, timeout: Double = 10) -> (status: Int32, message: String)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let first = rig.quitsRef.first { return first }
            usleep(10_000)
        }
        return nil
    }

    @Test func qQuitsOnceTheUIThreadIsAwayAndOtherKeysAreKept() {
        let rig = Rig()
        rig.watchdog.busy()
        rig.type("x")
        rig.type("\u{1b}q")  // Alt-q is not q
        rig.type("yq")
        let quit = Self.waitForQuit(rig)
        #expect(quit?.status == 0)
        #expect(quit?.message.contains("quit with q while the screen was busy") == true)
        // Everything read is handed back, in order (the quit key included).
        #expect(rig.watchdog.idle() == Array("x\u{1b}qyq".utf8))
    }

    @Test func ctrlCQuitsWith130EvenWhileQIsText() {
        let rig = Rig()
        rig.watchdog.setQQuits(false)
        rig.watchdog.busy()
        rig.type("q")
        rig.type("\u{3}")
        let quit = Self.waitForQuit(rig)
        #expect(quit?.status == 130)
        #expect(quit?.message.contains("Ctrl-C") == true)
    }

    @Test func anIdleUIThreadKeepsItsKeys() {
        let rig = Rig()
        rig.type("q")
        // Idle (never marked busy): the byte stays for the UI thread to read.
        usleep(400_000)
        #expect(rig.quitsRef.first == nil)
        #expect(rig.unread == 1)
        // Busy, then back before the patience runs out: still untouched.
        let slow = Rig(patience: 30)
        slow.type("q")
        slow.watchdog.busy()
        usleep(400_000)
        #expect(slow.quitsRef.first == nil)
        #expect(slow.unread == 1)
        #expect(slow.watchdog.idle().isEmpty)
    }

    @Test func quitKeyScan() {
        #expect(BusyWatchdog.quitKey(in: Array("abc".utf8), from: 0, qQuits: true).status == nil)
        #expect(BusyWatchdog.quitKey(in: Array("abq".utf8), from: 0, qQuits: true).status == 0)
        #expect(BusyWatchdog.quitKey(in: Array("abq".utf8), from: 0, qQuits: false).status == nil)
        #expect(BusyWatchdog.quitKey(in: Array("\u{1b}q".utf8), from: 0, qQuits: true).status == nil)
        #expect(BusyWatchdog.quitKey(in: [0x1B, 0x71, 0x71], from: 2, qQuits: true).status == 0)
        #expect(BusyWatchdog.quitKey(in: [0x61, 3], from: 0, qQuits: false).status == 130)
        // Bytes already scanned are not scanned again.
        #expect(BusyWatchdog.quitKey(in: Array("q".utf8), from: 1, qQuits: true).status == nil)
    }
}
