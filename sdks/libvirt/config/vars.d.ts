/**
 * libvirt connection URI for operations. See https://libvirt.org/uri.html
 */
export declare const uri: string | undefined;
