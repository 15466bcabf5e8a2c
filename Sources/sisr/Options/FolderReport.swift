import DatasetBuilder
import Foundation

/// Tells the user on stderr what an image folder scan found and skipped.
enum FolderReport {
    static func printScan(_ dir: URL) {
        guard let scan = ImageFolderScan.scan(dir) else { return }
        FileHandle.standardError.write(Data(("images: " + scan.summary(folder: dir.path) + "\n").utf8))
    }
}
