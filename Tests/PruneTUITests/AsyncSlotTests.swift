import Testing

@testable import PruneTUI

/// The one debounced "due / in flight / generation" slot behind every
/// value the explorer computes in the background.
@Suite struct AsyncSlotTests {
    @Test func oneInFlightAtATimeAndStaleResultsDropped() {
        var slot = AsyncSlot<Int>()
        let idle = slot.launch()
        #expect(idle == nil)
        slot.invalidate(wanted: true)
        let first = slot.launch()
        #expect(first == 1)
        // Three changes while it runs: nothing more is launched (a held key queues nothing).
        slot.invalidate(wanted: true)
        slot.invalidate(wanted: true)
        slot.invalidate(wanted: true)
        let second = slot.launch()
        #expect(second == nil)
        #expect(slot.isPending)
        // The stale result is dropped and frees the slot; the latest generation runs next.
        let staleKept = slot.receive(10, generation: 1)
        #expect(!staleKept)
        #expect(slot.value == nil)
        let latest = slot.launch()
        #expect(latest == 4)
        let kept = slot.receive(40, generation: 4)
        #expect(kept)
        #expect(slot.value == 40)
        #expect(!slot.isPending)
    }

    @Test func notWantedMeansNothingIsLaunched() {
        var slot = AsyncSlot<Int>()
        slot.invalidate(wanted: false)
        let launched = slot.launch()
        #expect(launched == nil)
        #expect(!slot.isPending)
    }
}
