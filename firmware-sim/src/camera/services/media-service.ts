/** Media (ver10/media): one fixed profile with video source, H.264 encoder and PTZ configuration. */
import { requiredText, SoapFault, type XmlNode, escapeXml as x } from '../soap.js';
import type { CameraContext, OperationHandler } from './context.js';
import { ptzConfigurationXml } from './ptz-service.js';

export const VIDEO = { width: 640, height: 360, fps: 15, bitrateKbps: 512 } as const;

function profileXml(tag: string, ctx: CameraContext): string {
  const t = x(ctx.profileToken);
  return `<${tag} token="${t}" fixed="true"><tt:Name>${t}</tt:Name><tt:VideoSourceConfiguration token="video-source-config"><tt:Name>video</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>video-source</tt:SourceToken><tt:Bounds x="0" y="0" width="${VIDEO.width}" height="${VIDEO.height}"/></tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="video-encoder-config"><tt:Name>h264</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${VIDEO.width}</tt:Width><tt:Height>${VIDEO.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${VIDEO.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${VIDEO.bitrateKbps}</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>${VIDEO.fps * 2}</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>${ptzConfigurationXml('tt:PTZConfiguration')}</${tag}>`;
}

function checkProfile(body: XmlNode, ctx: CameraContext): void {
  const token = requiredText(body, 'ProfileToken');
  if (token !== ctx.profileToken) throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], `no profile ${token}`);
}

function mediaUri(tag: string, uri: string): string {
  return `<${tag}><trt:MediaUri><tt:Uri>${x(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></${tag}>`;
}

export const mediaOperations: Record<string, OperationHandler> = {
  GetProfiles: (_b, ctx) => `<trt:GetProfilesResponse>${profileXml('trt:Profiles', ctx)}</trt:GetProfilesResponse>`,
  GetProfile: (body, ctx) => {
    checkProfile(body, ctx);
    return `<trt:GetProfileResponse>${profileXml('trt:Profile', ctx)}</trt:GetProfileResponse>`;
  },
  GetVideoSources: () =>
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="video-source"><tt:Framerate>${VIDEO.fps}</tt:Framerate><tt:Resolution><tt:Width>${VIDEO.width}</tt:Width><tt:Height>${VIDEO.height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
  GetStreamUri: (body, ctx) => {
    checkProfile(body, ctx);
    if (ctx.urls.stream === null)
      throw new SoapFault('Receiver', ['ter:ActionNotSupported'], 'this camera was started without a video stream');
    return mediaUri('trt:GetStreamUriResponse', ctx.urls.stream);
  },
  GetSnapshotUri: (body, ctx) => {
    checkProfile(body, ctx);
    if (ctx.urls.snapshot === null)
      throw new SoapFault('Receiver', ['ter:ActionNotSupported'], 'this camera was started without snapshots');
    return mediaUri('trt:GetSnapshotUriResponse', ctx.urls.snapshot);
  },
};
