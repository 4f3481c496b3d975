/**
 * The scenarios test:kernel replays in the guest (tools/oracle/replay.ts), written for the `pxb`
 * machine (tests/helpers/topologies.ts qemuPxb, Intel): A and B below one switch, C on another root
 * port. Each expectation is read from the kernel source (6.12 line numbers; 7.2 the same code unless
 * said) and is also what `lab run` must give; the guest's real return values are compared with both.
 */
import type { Scenario } from '../../electron/engine/index'

/** diskOf(id): the twin's namespace name of NVMe node id (nvme<n>n1). */
export function pxbReplays(diskOf: (id: string) => string): Scenario[] {
  return [
    {
      name: 'replay: mmap of a CMB through sysfs resource2, then O_DIRECT into it (C22/C23)',
      narration:
        'pci_mmap_resource_range() maps the BAR with io_remap_pfn_range(): VM_IO|VM_PFNMAP, no struct pages. GUP refuses such a VMA in check_vma_flags() (mm/gup.c:1277), so the O_DIRECT read fails with -EFAULT before any P2PDMA question is asked. A mapping past the end of the BAR fails pci_mmap_fits() (drivers/pci/pci-sysfs.c:1070): -EINVAL.',
      operations: [
        { op: 'mmap_resource', args: { dev: 'A', bar: 2, len: '2M', as: 'res' }, expect: { errno: null } },
        { op: 'pread', args: { disk: diskOf('B'), buf: 'res', len: '2M' }, expect: { errno: 'EFAULT' } },
        {
          op: 'mmap_resource',
          args: { dev: 'A', bar: 2, len: '4K', offset: '16M', as: 'past' },
          expect: { errno: 'EINVAL' },
        },
      ],
    },
    {
      name: 'replay: p2pmem/allocate, then O_DIRECT from a peer below the same switch and from one across root ports (C24)',
      narration:
        'The nvme driver registered and published its CMB at probe (nvme_map_cmb()). p2pmem_alloc_mmap() gives a VM_MIXEDMAP of ZONE_DEVICE pages; the block layer pins them with FOLL_PCI_P2PDMA. B shares the switch with A: BUS_ADDR, the read succeeds. C is behind another root port of an Intel host whose host bridge is not whitelisted: NOT_SUPPORTED, -EINVAL in 7.2 (blk-mq DMA iterator), -EREMOTEIO in 6.12. A private mapping and a non-zero offset are refused (drivers/pci/p2pdma.c:104, :111): -EINVAL.',
      operations: [
        {
          op: 'p2pdma_add_resource',
          args: { dev: 'A', bar: 2, size: 0, offset: 0 },
          expect: { errno: null },
        },
        { op: 'p2pmem_publish', args: { dev: 'A' } },
        { op: 'mmap_p2pmem', args: { dev: 'A', len: '2M', as: 'buf' }, expect: { errno: null } },
        { op: 'pread', args: { disk: diskOf('B'), buf: 'buf', len: '2M' }, expect: { ret: 2097152 } },
        { op: 'pread', args: { disk: diskOf('C'), buf: 'buf', len: '2M' }, expect: { errno: 'EINVAL' } },
        {
          op: 'mmap_p2pmem',
          args: { dev: 'A', len: '2M', private: true, as: 'priv' },
          expect: { errno: 'EINVAL' },
        },
        {
          op: 'mmap_p2pmem',
          args: { dev: 'A', len: '2M', offset: '4K', as: 'off' },
          expect: { errno: 'EINVAL' },
        },
      ],
    },
  ] as Scenario[]
}
