/** Device management (ver10/device): identity, clock, capabilities and service addresses. */
import { escapeXml as x } from '../soap.js';
import type { CameraContext, OperationHandler } from './context.js';

function dateTimeXml(ms: number): string {
  const d = new Date(ms);
  return `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`;
}

function scopes(ctx: CameraContext): string[] {
  return [
    'onvif://www.onvif.org/Profile/Streaming',
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/type/ptz',
    `onvif://www.onvif.org/hardware/${encodeURIComponent(ctx.identity.model)}`,
    `onvif://www.onvif.org/name/${encodeURIComponent(ctx.identity.name)}`,
    `onvif://www.onvif.org/location/${encodeURIComponent(ctx.identity.location)}`,
  ];
}

export { scopes as cameraScopes };

export const deviceOperations: Record<string, OperationHandler> = {
  GetDeviceInformation: (_b, ctx) => {
    const i = ctx.identity;
    return `<tds:GetDeviceInformationResponse><tds:Manufacturer>${x(i.manufacturer)}</tds:Manufacturer><tds:Model>${x(i.model)}</tds:Model><tds:FirmwareVersion>${x(i.firmwareVersion)}</tds:FirmwareVersion><tds:SerialNumber>${x(i.serialNumber)}</tds:SerialNumber><tds:HardwareId>${x(i.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`;
  },
  GetSystemDateAndTime: (_b, ctx) =>
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>${dateTimeXml(ctx.cameraNow())}</tt:UTCDateTime><tt:LocalDateTime>${dateTimeXml(ctx.cameraNow())}</tt:LocalDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
  GetCapabilities: (_b, ctx) =>
    `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${x(ctx.urls.device)}</tt:XAddr></tt:Device><tt:Media><tt:XAddr>${x(ctx.urls.media)}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media><tt:PTZ><tt:XAddr>${x(ctx.urls.ptz)}</tt:XAddr></tt:PTZ></tds:Capabilities></tds:GetCapabilitiesResponse>`,
  GetServices: (_b, ctx) => {
    const svc = (ns: string, url: string) =>
      `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${x(url)}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
    return `<tds:GetServicesResponse>${svc('http://www.onvif.org/ver10/device/wsdl', ctx.urls.device)}${svc('http://www.onvif.org/ver10/media/wsdl', ctx.urls.media)}${svc('http://www.onvif.org/ver20/ptz/wsdl', ctx.urls.ptz)}</tds:GetServicesResponse>`;
  },
  GetScopes: (_b, ctx) =>
    `<tds:GetScopesResponse>${scopes(ctx)
      .map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${x(s)}</tt:ScopeItem></tds:Scopes>`)
      .join('')}</tds:GetScopesResponse>`,
  GetHostname: (_b, ctx) =>
    `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${x(ctx.identity.name)}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`,
};
