// Domain XML for the drill guest (pure). Essentials from the drill recipe:
// software emulation (type='qemu', never host CPU passthrough), direct kernel boot,
// ACPI (without it `poweroff -f` halts but the domain never ends), on_poweroff=destroy,
// a virtio qcow2 disk with cache='none', serial console to a file, no balloon. A second, raw
// disk (vdb) carries the host's "release" to the writer (drills/guest/init.sh).

export interface DrillDomainSpec {
  name: string;
  kernel: string;
  initrd: string;
  /** The active (top) image of the chain; libvirt follows its backing chain. */
  activeImage: string;
  serialLog: string;
  /** Raw file the host writes "release" into (vdb). */
  releaseDisk: string;
  records: number;
  /** Pause between chunks inside the guest, to stretch the write window. */
  pauseUs: number;
  memoryMiB?: number;
}

export function drillDomainXml(spec: DrillDomainSpec): string {
  const cmdline = [
    'console=ttyS0',
    'quiet',
    'loglevel=1',
    'panic=-1',
    `drill.records=${spec.records}`,
    `drill.pause_us=${spec.pauseUs}`,
  ].join(' ');
  return `<domain type='qemu'>
  <name>${xmlEscape(spec.name)}</name>
  <memory unit='MiB'>${spec.memoryMiB ?? 256}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${xmlEscape(spec.kernel)}</kernel>
    <initrd>${xmlEscape(spec.initrd)}</initrd>
    <cmdline>${xmlEscape(cmdline)}</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='${xmlEscape(spec.activeImage)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='${xmlEscape(spec.releaseDisk)}'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='${xmlEscape(spec.serialLog)}'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&apos;')
    .replace(/"/g, '&quot;');
}
