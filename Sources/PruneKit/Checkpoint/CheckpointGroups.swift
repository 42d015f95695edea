/// Tensors grouped by dotted name prefix, as a tree: `encoder.` contains
/// `encoder.layer.`, which contains `encoder.layer.3.`, and so on.
///
/// Chains of groups with a single child and no tensors of their own are
/// merged (`encoder.layer.` rather than `encoder.` holding only
/// `encoder.layer.`), so every group shown has something to choose between.
public struct TensorGroup: Sendable, Equatable {
    /// The common prefix including its trailing dot (`encoder.layer.3.`);
    /// empty for the root.
    public var prefix: String
    /// Subgroups, in order of first appearance in the file.
    public var groups: [TensorGroup]
    /// Names of the tensors directly in this group (whose remaining name has no dot).
    public var tensors: [String]

    public init(prefix: String, groups: [TensorGroup] = [], tensors: [String] = []) {
        self.prefix = prefix
        self.groups = groups
        self.tensors = tensors
    }

    /// Every tensor name in the group and its subgroups, in tree order.
    public var allTensors: [String] {
        groups.flatMap(\.allTensors) + tensors
    }

    /// Number of tensors in the group and its subgroups.
    public var tensorCount: Int {
        groups.reduce(tensors.count) { $0 + $1.tensorCount }
    }

    /// Groups `names` (in file order) into a prefix tree. Linear in the
    /// total length of the names (a million names take about a second).
    public static func tree(of names: [String]) -> TensorGroup {
        final class Node {
            // Keyed by slices of the names: no string is made per name part.
            var children: [Substring: Node] = [:]
            var order: [Substring] = []
            var tensors: [String] = []
        }
        let root = Node()
        for name in names {
            var node = root
            var rest = name[...]
            while let dot = rest.firstIndex(of: ".") {
                let key = rest[..<dot]
                if let next = node.children[key] {
                    node = next
                } else {
                    let next = Node()
                    node.children[key] = next
                    node.order.append(key)
                    node = next
                }
                rest = rest[rest.index(after: dot)...]
            }
            node.tensors.append(name)
        }
        func build(_ node: Node, prefix: String) -> TensorGroup {
            var groups: [TensorGroup] = []
            for key in node.order {
                guard let child = node.children[key] else { continue }
                var childPrefix = prefix + key + "."
                var current = child
                // Merge single-child chains with no tensors of their own.
                while current.tensors.isEmpty, current.order.count == 1, let only = current.children[current.order[0]] {
                    childPrefix += current.order[0] + "."
                    current = only
                }
                groups.append(build(current, prefix: childPrefix))
            }
            return TensorGroup(prefix: prefix, groups: groups, tensors: node.tensors)
        }
        return build(root, prefix: "")
    }

    /// The group whose prefix is exactly `prefix`, searching the tree.
    public func group(withPrefix prefix: String) -> TensorGroup? {
        if self.prefix == prefix { return self }
        for g in groups where prefix.hasPrefix(g.prefix) {
            if let found = g.group(withPrefix: prefix) { return found }
        }
        return nil
    }
}
