import PruneKit
import PruneTUI

/// What a group's row in the tensor list shows that does not depend on the
/// preview: its elements, exact zeros, prunable elements and tensors, over
/// the group and its subgroups.
struct GroupFigures: Equatable, Sendable {
    var elements = 0
    var zeros = 0
    var prunable = 0
    var tensors = 0

    /// The figures of every group of `tree`, by prefix, in one pass over the
    /// tree (each tensor is looked up once, however deep it sits).
    /// Zeros and prunable elements count only tensors in `entries`.
    static func all(
        in tree: TensorGroup, archive: any TensorArchive, entries: [String: CheckpointInspection.Entry]
    ) -> [String: GroupFigures] {
        var out: [String: GroupFigures] = [:]
        func visit(_ group: TensorGroup) -> GroupFigures {
            var figures = GroupFigures()
            for child in group.groups {
                let inner = visit(child)
                figures.elements += inner.elements
                figures.zeros += inner.zeros
                figures.prunable += inner.prunable
                figures.tensors += inner.tensors
            }
            for name in group.tensors {
                guard let info = archive.info(named: name) else { continue }
                figures.tensors += 1
                figures.elements += info.elementCount
                if let entry = entries[name] {
                    figures.zeros += entry.statistics.zeroCount
                    if entry.prunable.isPrunable { figures.prunable += info.elementCount }
                }
            }
            out[group.prefix] = figures
            return figures
        }
        _ = visit(tree)
        return out
    }
}

extension InspectorModel {
    /// Elements, exact zeros, prunable elements, tensors and previewed zeros under `prefix`.
    func groupCounts(_ prefix: String) -> (elements: Int, zeros: Int, prunable: Int, tensors: Int, previewZeros: Double) {
        let figures = groupFigures[prefix] ?? GroupFigures()
        return (figures.elements, figures.zeros, figures.prunable, figures.tensors, groupPreviewZeros[prefix] ?? 0)
    }

    /// Previewed zeros (elements) of every group by prefix, computed in one
    /// pass over the tree the first time a frame needs them after the
    /// statistics, the slider, the scope or 2:4 changed.
    var groupPreviewZeros: [String: Double] {
        guard inspection != nil else { return [:] }
        let key = "\(inspectionVersion) \(scope) \(twoOfFour) \(slider.value)"
        return heatCache.groupPreview.value(for: key) {
            var out: [String: Double] = [:]
            func visit(_ group: TensorGroup) -> Double {
                var zeros = group.groups.reduce(0.0) { $0 + visit($1) }
                for name in group.tensors {
                    guard let entry = entry(name) else { continue }
                    zeros += (previewSparsity(of: name) ?? 0) * Double(entry.info.elementCount)
                }
                out[group.prefix] = zeros
                return zeros
            }
            _ = visit(tree)
            return out
        }
    }
}
