#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The only way the UI talks to a terminal. `NcursesTerminal` is the real
/// one; `InMemoryTerminal` is a grid of cells for tests.
public protocol TerminalDriver: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// How many colours can be shown (after `NO_COLOR`).
    var capability: ColorCapability { get }
    /// Unicode glyphs, or ASCII for `--ascii` and non-UTF-8 locales.
    var glyphs: Glyphs { get }
    /// The clock frames and messages are timed with.
    var time: any TimeSource { get }

    /// Sends the cells of `frame` that differ from `previous` (every cell
    /// when `previous` is nil or another size) and shows them.
    /// Returns the number of cells sent.
    @discardableResult
    func present(_ frame: CellBuffer, previous: CellBuffer?) -> Int

    /// Waits at most `timeout` seconds for input. Returns nil on timeout or
    /// when `waker` is signalled from another thread.
    func readEvent(timeout: Double, waker: Waker?) -> TerminalEvent?

    /// Gives the terminal back (e.g. to run a shell); `resume` takes it again.
    func suspend()
    func resume()

    /// Whether q quits in the app's current state (false while a text box
    /// takes the keys): a driver that reads keys while the UI thread is
    /// stuck (`NcursesTerminal`) quits on q only then.
    func setQuitsOnQ(_ quits: Bool)
}

extension TerminalDriver {
    public func setQuitsOnQ(_ quits: Bool) {}
}

/// Wakes a thread blocked in `TerminalDriver.readEvent` from any thread
/// (a non-blocking self-pipe).
public final class Waker: Sendable {
    /// Read end, polled by drivers.
    public let readFD: Int32
    let writeFD: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                let flags = fcntl(fd, F_GETFL)
                _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        readFD = fds[0]; writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Makes a pending or the next wait return at once. Safe from any thread.
    public func wake() {
        guard writeFD >= 0 else { return }
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    /// Empties the pipe after a wake-up.
    public func drain() {
        guard readFD >= 0 else { return }
        var buf = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buf, 64) > 0 {}
    }
}
