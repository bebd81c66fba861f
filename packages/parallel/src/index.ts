// @alexnet/parallel: column-split model parallelism and data parallelism
// (GUIDE §2, §3). Nothing is exported yet; the placement work is its own issue.
export {};
