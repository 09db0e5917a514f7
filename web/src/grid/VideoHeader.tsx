import type { Schemas } from "../api";

interface Props {
  video: Schemas["VideoOut"] | undefined;
  videoId: number;
  top: number;
}

/** The bar over a video's frames in the grid: which video, its frame rate and length, and how far its labelling
 * has come (frames annotated, frames reviewed). */
export function VideoHeader({ video, videoId, top }: Props) {
  return (
    <div className="video-header" role="heading" aria-level={3} data-testid={`video-header-${videoId}`} style={{ top }}>
      {video ? (
        <>
          <strong>▶ {video.file_name}</strong>
          <span>{video.frames} frames</span>
          <span>{rate(video.sampled_fps)} fps (source {rate(video.fps)} fps)</span>
          <span>{video.annotated} annotated</span>
          <span>{video.reviewed} reviewed</span>
        </>
      ) : (
        <strong>▶ video {videoId}</strong>
      )}
    </div>
  );
}

const rate = (fps: number) => Number(fps.toFixed(2));
