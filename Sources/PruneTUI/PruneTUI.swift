import PruneKit
